// smtp-server as Postern's SMTP engine: the one module that knows anything of smtp-server beyond its
// documented options and hooks. Both listeners accept their own TCP connections (src/net/
// connection-gate.ts counts them and reads a PROXY header, src/net/implicit-tls.ts does 465's
// handshake) and hand each finished socket to serve() with the client it is from; smtp-server then
// runs the protocol and calls the listener's hooks (onConnect, onAuth, onMailFrom, onRcptTo, onData,
// onSecure, onClose). Always true: no other module imports smtp-server/lib/* or touches a connection
// object; every reply smtp-server writes passes through the listener's ReplyPolicy before it reaches
// the socket; test/unit/smtp/engine-contract.test.ts fails when an smtp-server release changes
// anything the workarounds below rely on (smtp-server is pinned to one exact version in package.json).
//
// The workarounds, each for something smtp-server has no hook for:
//  1. Replies: smtp-server derives an enhanced status code (RFC 3463) from the reply number alone
//     (550 → 5.1.1) and adds it to the text of every handler error, so "554 5.7.1 Relaying denied"
//     would go out as "554 5.6.0 5.7.1 …". Each connection's send() is wrapped so the policy can say
//     "send as is" (context false) or replace the reply.
//  2. The greeting: init() holds every greeting back 100 ms to catch clients that talk first, which
//     caps a sender at 10 sessions per second per concurrent connection. With `greetAtOnce` the
//     connection is set up without that wait (as Postfix's smtpd greets without postscreen).
//  3. Causes: smtp-server reports an over-long command line only as the text "Error: Command line too
//     long" on a 421, and a command disabled for the session as "command not recognized"; they are
//     recognised here, once, and given to the policy as a cause.
//  4. Writes: smtp-server writes each reply with its own write(2). Replies it sends in one turn of
//     the event loop (the answers to a pipelined MAIL, RCPT and DATA, RFC 2920 §3.1) go out corked,
//     as one write at the end of that turn (a setImmediate); a 220 (greeting, STARTTLS) is flushed at
//     once, and end() flushes what is corked before the FIN. (bench/profiles.md, inbound: socket
//     writes were 13% of the event loop's busy time.)
import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import type tls from 'node:tls';
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';

/** Why smtp-server is sending a reply, where that matters to the policy. */
export type ReplyCause =
  /** RFC 5321 §4.5.3.1.4: a command line over maxCommandLength; the parser cannot continue. */
  | 'command-too-long'
  /** A command that session.disabledCommands disables for this session. */
  | 'command-disabled'
  | null;

/** A reply as smtp-server is about to send it. `context` is smtp-server's: usually the command name, false for "no enhanced code". */
export interface EngineReply { code: number; data: string | string[] | null | undefined; context: string | false | undefined; cause: ReplyCause }

/** What the policy sends instead: `context: false` keeps smtp-server from adding an enhanced code; `close` ends the session after it. */
export interface ReplacedReply { code: number; data: string | string[]; context?: false; close?: boolean }

/** Per listener: null sends smtp-server's reply unchanged. */
export type ReplyPolicy = (reply: EngineReply, session: SMTPServerSession) => ReplacedReply | null;

/** The client a socket is from (after a PROXY header, the client the load balancer named). */
export interface EngineClient { address: string; port: number }

/** What the session deadlines (src/smtp/session-deadlines.ts) may do to a running session. */
export interface EngineSession {
  id: string;
  session: { user?: unknown };
  send(code: number, data: string): void;
  close(): void;
}

export interface EngineOptions {
  /** Greet as soon as the session is set up, instead of after smtp-server's 100 ms early-talker wait. */
  greetAtOnce: boolean;
  replies: ReplyPolicy;
}

const ID_DIGITS = '0123456789abcdefghijklmnopqrstuv';
/** Random bytes for session ids, taken 10 at a time: one call into OpenSSL per 256 sessions. */
let idPool = Buffer.alloc(0);
let idAt = 0;

/** 80 random bits as 16 base-32 digits, without a BigInt (it cost 16 µs per session: bench/profiles.md, inbound). */
function sessionId(): string {
  if (idAt + 10 > idPool.length) {
    idPool = randomBytes(2560);
    idAt = 0;
  }
  let out = '';
  let acc = 0;
  let bits = 0;
  for (let i = idAt; i < idAt + 10; i++) {
    acc = ((acc << 8) | idPool[i]!) & 0x1fff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ID_DIGITS[(acc >> bits) & 31];
    }
  }
  idAt += 10;
  return out;
}

// smtp-server's parser error for an over-long line: `'Error: ' + err.message` on a 421.
const COMMAND_TOO_LONG_TEXT = 'Error: Command line too long';

export class SmtpEngine {
  readonly #smtp: SMTPServer;
  readonly #options: EngineOptions;
  readonly #open = new Map<string, SMTPConnection>();

  /** `options` are smtp-server's own; its net.Server is never listened on (the listener owns accept). */
  constructor(options: SMTPServerOptions, engine: EngineOptions) {
    this.#smtp = new SMTPServer(options);
    this.#options = engine;
  }

  /** Connection-level errors smtp-server reports (sockets reset, TLS failures after STARTTLS). */
  onError(listener: (err: Error) => void): void {
    this.#smtp.on('error', listener);
  }

  /** Runs one SMTP session on `socket` (already TLS on an implicit-TLS listener) for `client`; returns its session id. */
  serve(socket: net.Socket | tls.TLSSocket, client: EngineClient): string | null {
    const id = sessionId();
    const details = { id, remoteAddress: client.address, remotePort: client.port };
    let connection: SMTPConnection | undefined;
    if (this.#options.greetAtOnce) {
      // Workaround 2: SMTPServer.connect() without init()'s 100 ms wait (and without its maxClients
      // check: the connection gate has counted this connection already).
      connection = new SMTPConnection(this.#smtp, socket, details);
      this.#smtp.connections.add(connection);
      connection.on('error', (err: Error) => this.#smtp.emit('error', err));
      connection.on('connect', (data) => this.#smtp.emit('connect', data));
      this.#wrapReplies(connection);
      const ready = connection;
      ready._setListeners(() => ready.connectionReady());
    } else {
      this.#smtp.connect(socket, details);
      for (const c of this.#smtp.connections) if (c.id === id) connection = c;
      // connect() sets the session up and greets 100 ms later, so wrapping now precedes every reply.
      if (connection) this.#wrapReplies(connection);
    }
    if (!connection) return null;
    this.#open.set(id, connection);
    socket.once('close', () => this.#open.delete(id));
    return id;
  }

  /** The running session with this id (smtp-server's session.id), for the deadlines. */
  session(id: string): EngineSession | undefined {
    const c = this.#open.get(id);
    return c && { id: c.id, session: c.session, send: (code, data) => c.send(code, data), close: () => c.close() };
  }

  /** Stops the sessions: commands from now on get 421, and sessions still open after closeTimeout are closed. */
  close(): void {
    this.#smtp.close();
  }

  /** Workarounds 1, 3 and 4: every reply of this connection through the listener's policy, corked per turn. */
  #wrapReplies(connection: SMTPConnection): void {
    const send = connection.send.bind(connection);
    /** The socket corked in this turn of the event loop, uncorked by the immediate that corked it. */
    let corked: net.Socket | null = null;
    const uncork = () => {
      const socket = corked;
      corked = null;
      if (socket && !socket.destroyed) socket.uncork();
    };
    const corkedSend = (code: number, data: string | string[] | null | undefined, context: string | false | undefined) => {
      const socket = connection._socket;
      // After STARTTLS the session writes to a new (TLS) socket: what was corked goes first.
      if (corked && corked !== socket) uncork();
      if (!corked && socket && !socket.destroyed && socket.writable) {
        socket.cork();
        corked = socket;
        setImmediate(uncork);
      }
      send(code, data, context);
      // A 220 is waited for before anything else happens (the greeting; STARTTLS's handshake).
      if (code === 220) uncork();
    };
    connection.send = (code, data, context) => {
      const cause = causeOf(code, data, context, connection.session);
      const replaced = this.#options.replies({ code, data, context, cause }, connection.session);
      if (!replaced) return corkedSend(code, data, context);
      corkedSend(replaced.code, replaced.data, replaced.context);
      if (replaced.close) connection.close();
    };
  }
}

function causeOf(code: number, data: unknown, context: string | false | undefined, session: SMTPServerSession): ReplyCause {
  if (code === 421 && data === COMMAND_TOO_LONG_TEXT) return 'command-too-long';
  if (code === 500 && typeof context === 'string' && session.disabledCommands?.some((c) => c.toUpperCase() === context)) return 'command-disabled';
  return null;
}
