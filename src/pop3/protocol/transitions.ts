// The POP3 state machine (RFC 1939 §3: AUTHORIZATION, TRANSACTION, UPDATE) as pure transitions:
// given where the session stands and one input line, decide the reply or the one piece of I/O the
// session must perform. No sockets, no store: the session loop carries out Actions and writes.
// Always true: a command is accepted only in the states RFC 1939/2449/2595/5034 allow it; every
// refusal is a "-ERR" with a reason, with [AUTH] when it is about the login policy; a plaintext
// login is never accepted where the policy forbids it. The one mutation is DELE/RSET marking the
// session's own Maildrop, which is memory only until UPDATE.

import { capabilityLines } from './capabilities.ts';
import { parseCommand, parseLineCount, parseMessageNumber, type Pop3Command } from './command.ts';
import type { Maildrop, MaildropMessage } from './maildrop.ts';
import { continuation, err, multiline, ok } from './response.ts';

export type Phase =
  | { name: 'authorization'; user: string | null; awaitingSasl: boolean }
  | { name: 'transaction'; maildrop: Maildrop }
  | { name: 'update' };

export interface Environment {
  tls: boolean;
  /** Whether STLS can be offered (a certificate is configured). */
  tlsAvailable: boolean;
  /** TLS is active, or the client is on loopback and `[pop3] allow_plaintext_loopback` is set. */
  plaintextAllowed: boolean;
}

export type Action =
  /** Write `reply`; move to `next` if given. `bad` marks a refused command (counted by the session). */
  | { kind: 'reply'; reply: string; next?: Phase; bad?: boolean }
  /** Write `reply`, then close the connection (QUIT before login). */
  | { kind: 'close'; reply: string }
  /** RFC 2595 §4: write "+OK", drop any pipelined input, negotiate TLS. */
  | { kind: 'starttls'; reply: string }
  /** Check the credentials; on success take the maildrop lock and load the snapshot. */
  | { kind: 'login'; user: string; password: string }
  /** Decode a SASL PLAIN response (base64), then as 'login'. */
  | { kind: 'sasl-plain'; response: string }
  /** Send the message (RETR when topLines is null) after "+OK". */
  | { kind: 'send'; message: MaildropMessage; topLines: number | null }
  /** RFC 1939 §6: enter UPDATE, expunge the marked messages, reply, close. */
  | { kind: 'update'; uids: number[] };

export const initialPhase: Phase = { name: 'authorization', user: null, awaitingSasl: false };

const PLAINTEXT_REFUSED = 'Plaintext authentication is not allowed without TLS (use STLS)';

/** Decides what one input line means in `phase`. */
export function decide(phase: Phase, env: Environment, line: string): Action {
  if (phase.name === 'authorization' && phase.awaitingSasl) return saslResponse(line);
  const parsed = parseCommand(line);
  if (!parsed.ok) return bad(phase, parsed.reason);
  const cmd = parsed.command;
  switch (phase.name) {
    case 'authorization':
      return authorization(phase, env, cmd);
    case 'transaction':
      return transaction(phase, env, cmd);
    case 'update':
      return bad(phase, 'Session is ending');
  }
}

/** The reply to a line longer than the limit (the session has discarded it). */
export function overlongReply(): string {
  return err('Line too long');
}

function authorization(phase: Phase & { name: 'authorization' }, env: Environment, cmd: Pop3Command): Action {
  const reset: Phase = { name: 'authorization', user: null, awaitingSasl: false };
  switch (cmd.keyword) {
    case 'CAPA':
      return { kind: 'reply', reply: capa('authorization', env) };
    case 'QUIT':
      return { kind: 'close', reply: ok('Postern POP3 server signing off') };
    case 'STLS':
      if (env.tls) return bad(phase, 'Already using TLS');
      if (!env.tlsAvailable) return bad(phase, 'TLS is not available');
      if (cmd.args.length > 0) return bad(phase, 'STLS takes no arguments');
      return { kind: 'starttls', reply: ok('Begin TLS negotiation') };
    case 'USER': {
      if (!env.plaintextAllowed) return { kind: 'reply', reply: err(PLAINTEXT_REFUSED, 'AUTH'), next: reset, bad: true };
      const user = cmd.args[0];
      if (user === undefined || cmd.args.length > 1) return { kind: 'reply', reply: err('USER takes one argument'), next: reset, bad: true };
      return { kind: 'reply', reply: ok('Send PASS'), next: { name: 'authorization', user, awaitingSasl: false } };
    }
    case 'PASS': {
      if (!env.plaintextAllowed) return { kind: 'reply', reply: err(PLAINTEXT_REFUSED, 'AUTH'), next: reset, bad: true };
      // RFC 1939 §7: PASS is valid only right after a successful USER.
      if (phase.user === null) return { kind: 'reply', reply: err('Send USER first'), next: reset, bad: true };
      const password = cmd.args[0];
      if (password === undefined) return { kind: 'reply', reply: err('PASS takes one argument'), next: reset, bad: true };
      return { kind: 'login', user: phase.user, password };
    }
    case 'AUTH': {
      const mechanism = cmd.args[0]?.toUpperCase();
      // Listing mechanisms with a bare AUTH predates RFC 5034 but clients still send it.
      if (mechanism === undefined) return { kind: 'reply', reply: multiline('Methods supported', env.plaintextAllowed ? ['PLAIN'] : []) };
      if (mechanism !== 'PLAIN') return { kind: 'reply', reply: err('Unsupported authentication mechanism'), next: reset, bad: true };
      if (!env.plaintextAllowed) return { kind: 'reply', reply: err(PLAINTEXT_REFUSED, 'AUTH'), next: reset, bad: true };
      if (cmd.args.length > 2) return { kind: 'reply', reply: err('AUTH takes a mechanism and an optional initial response'), next: reset, bad: true };
      const initial = cmd.args[1];
      // RFC 5034 §4: "=" is an empty initial response; no argument means the client waits for "+ ".
      if (initial === undefined) return { kind: 'reply', reply: continuation(''), next: { name: 'authorization', user: null, awaitingSasl: true } };
      return { kind: 'sasl-plain', response: initial === '=' ? '' : initial };
    }
    case 'APOP':
      return { kind: 'reply', reply: err('APOP is not supported'), next: reset, bad: true };
    case 'STAT': case 'LIST': case 'UIDL': case 'RETR': case 'TOP': case 'DELE': case 'RSET': case 'NOOP':
      return bad(phase, 'Not logged in');
    default:
      return bad(phase, 'Unknown command');
  }
}

function saslResponse(line: string): Action {
  // RFC 5034 §4: "*" cancels the exchange.
  if (line === '*') return { kind: 'reply', reply: err('Authentication cancelled'), next: initialPhase, bad: true };
  return { kind: 'sasl-plain', response: line === '=' ? '' : line };
}

function transaction(phase: Phase & { name: 'transaction' }, env: Environment, cmd: Pop3Command): Action {
  const drop = phase.maildrop;
  const a = cmd.args;
  switch (cmd.keyword) {
    case 'CAPA':
      return { kind: 'reply', reply: capa('transaction', env) };
    case 'NOOP':
      return { kind: 'reply', reply: ok('') };
    case 'STAT': {
      const s = drop.stat();
      return { kind: 'reply', reply: ok(`${s.count} ${s.octets}`) };
    }
    case 'LIST':
    case 'UIDL': {
      const field = (m: MaildropMessage): string => (cmd.keyword === 'LIST' ? String(m.octets) : m.uniqueId);
      if (a.length === 0) {
        const s = drop.stat();
        const title = cmd.keyword === 'LIST' ? `${s.count} messages (${s.octets} octets)` : 'Unique-ID listing follows';
        return { kind: 'reply', reply: multiline(title, drop.listing().map(({ n, message }) => `${n} ${field(message)}`)) };
      }
      if (a.length > 1) return bad(phase, `${cmd.keyword} takes at most one argument`);
      const found = lookup(drop, a[0]);
      if (!found.ok) return bad(phase, found.reason);
      return { kind: 'reply', reply: ok(`${found.n} ${field(found.message)}`) };
    }
    case 'RETR': {
      if (a.length !== 1) return bad(phase, 'RETR takes one message number');
      const found = lookup(drop, a[0]);
      if (!found.ok) return bad(phase, found.reason);
      return { kind: 'send', message: found.message, topLines: null };
    }
    case 'TOP': {
      if (a.length !== 2) return bad(phase, 'TOP takes a message number and a line count');
      const found = lookup(drop, a[0]);
      if (!found.ok) return bad(phase, found.reason);
      const lines = parseLineCount(a[1]);
      if (lines === null) return bad(phase, 'Invalid line count');
      return { kind: 'send', message: found.message, topLines: lines };
    }
    case 'DELE': {
      if (a.length !== 1) return bad(phase, 'DELE takes one message number');
      const found = lookup(drop, a[0]);
      if (!found.ok) return bad(phase, found.reason);
      drop.mark(found.n);
      return { kind: 'reply', reply: ok('Marked to be deleted') };
    }
    case 'RSET':
      drop.reset();
      return { kind: 'reply', reply: ok(`${drop.stat().count} messages`) };
    case 'QUIT':
      return { kind: 'update', uids: drop.markedUids() };
    case 'USER': case 'PASS': case 'AUTH': case 'APOP': case 'STLS':
      return bad(phase, 'Already logged in');
    default:
      return bad(phase, 'Unknown command');
  }
}

function lookup(drop: Maildrop, arg: string | undefined): { ok: true; n: number; message: MaildropMessage } | { ok: false; reason: string } {
  const n = parseMessageNumber(arg);
  if (n === null) return { ok: false, reason: 'Invalid message number' };
  const found = drop.get(n);
  return found.ok ? { ok: true, n, message: found.message } : found;
}

function bad(phase: Phase, reason: string): Action {
  return { kind: 'reply', reply: err(reason), next: phase, bad: true };
}

function capa(name: 'authorization' | 'transaction', env: Environment): string {
  return multiline('Capability list follows', capabilityLines({ phase: name, ...env }));
}
