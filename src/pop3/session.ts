// One POP3 connection: reads lines, asks the pure state machine (protocol/transitions.ts) what they
// mean, carries out the I/O it asks for (login, snapshot, RETR streaming, STLS, UPDATE) and is the
// only place that writes to the socket.
// Always true: commands run one at a time, in order, each after the previous reply was handed to
// the socket; reading stops while too many are queued or the client is not reading our replies;
// the maildrop lock is held from login to close and released exactly once; nothing is deleted
// unless QUIT is received in the TRANSACTION state (RFC 1939 §6: a dropped connection is not
// UPDATE); our own failures answer -ERR [SYS/TEMP] and are logged, never crash the process; an
// exception escaping the input loop closes this connection only (logged and counted); a client not
// logged in within POP3_PREAUTH_DEADLINE_SECONDS is disconnected.
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { ServerContext } from '../server-context.ts';
import { authenticate } from '../login/authenticate.ts';
import { serverMetrics } from '../metrics/catalogue.ts';
import { decodeSaslPlain } from '../login/sasl.ts';
import { POP3_LINE_LENGTH, POP3_MAX_BAD_COMMANDS, POP3_MAX_PIPELINED, POP3_OCTETS_PAGE, POP3_PREAUTH_DEADLINE_SECONDS, POP3_WRITE_BATCH, TLS_HANDSHAKE_TIMEOUT_MS } from '../limits.ts';
import { isLoopback } from '../net/client-address.ts';
import { LineReader, type LineEvent } from './protocol/line-reader.ts';
import { Maildrop, type MaildropMessage } from './protocol/maildrop.ts';
import { MessageStuffer, pop3OctetsOf } from './protocol/message-stuffer.ts';
import { err, ok } from './protocol/response.ts';
import { decide, initialPhase, overlongReply, type Action, type Environment, type Phase } from './protocol/transitions.ts';
import { uidlFor } from './protocol/uidl.ts';
import type { MaildropLocks } from './maildrop-locks.ts';

export interface SessionOptions {
  ctx: ServerContext;
  remoteAddress: string;
  /** True on pop3s (implicit TLS). */
  tls: boolean;
  /** Whether STLS may be offered. */
  tlsAvailable: boolean;
  locks: MaildropLocks;
  /** Absolute time from connect to login (default POP3_PREAUTH_DEADLINE_SECONDS; tests shorten it). */
  preauthDeadlineSeconds?: number;
}

interface LoggedIn {
  accountId: number;
  mailboxId: number;
  contentOf: Map<number, number>;
  release: () => void;
}

export class Pop3Session {
  #socket: Duplex;
  readonly #options: SessionOptions;
  readonly #ctx: ServerContext;
  readonly #reader = new LineReader(POP3_LINE_LENGTH);
  readonly #log;
  #phase: Phase = initialPhase;
  #tls: boolean;
  #busy = false;
  #closed = false;
  #badCommands = 0;
  #loggedIn: LoggedIn | null = null;
  #onClosed: () => void = () => {};
  #detach: () => void = () => {};
  #paused = false;
  #preauthTimer: NodeJS.Timeout | null = null;
  readonly #onData = (chunk: Buffer): void => {
    this.#reader.push(chunk);
    // Backpressure without a pause/resume pair (two syscalls) per command: stop reading only when
    // a client has pipelined more than we are willing to queue.
    if (this.#reader.pending > POP3_MAX_PIPELINED && !this.#paused) {
      this.#paused = true;
      this.#socket.pause();
    }
    void this.#pump();
  };

  constructor(socket: Duplex, options: SessionOptions) {
    this.#socket = socket;
    this.#options = options;
    this.#ctx = options.ctx;
    this.#tls = options.tls;
    this.#log = options.ctx.log.child({ proto: 'pop3', ip: options.remoteAddress });
  }

  /** Greets the client and serves it; resolves once the connection has closed. */
  run(): Promise<void> {
    const done = new Promise<void>((resolve) => (this.#onClosed = resolve));
    this.#detach = this.#attach(this.#socket);
    this.#preauthTimer = setTimeout(() => {
      if (this.#loggedIn) return;
      this.#write(err('Login time exceeded'));
      this.#close();
    }, (this.#options.preauthDeadlineSeconds ?? POP3_PREAUTH_DEADLINE_SECONDS) * 1000);
    this.#preauthTimer.unref();
    this.#write(ok('Postern POP3 server ready'));
    return done;
  }

  /** Listens on `socket`; returns what undoes it (STLS hands the raw socket over to TLS). */
  #attach(socket: Duplex): () => void {
    const onError = (e: Error): void => this.#log.debug({ err: e }, 'pop3 socket error');
    const onClose = (): void => this.#finish();
    socket.on('data', this.#onData);
    socket.on('error', onError);
    socket.on('close', onClose);
    const timed = socket as Duplex & { setTimeout?: (ms: number, cb?: () => void) => void };
    const idleMs = this.#ctx.config.limits.idle_timeout_s * 1000;
    const onIdle = (): void => {
      // A command still being answered (a slow PASS under load) is our silence, not the client's.
      if (this.#busy) {
        timed.setTimeout?.(idleMs, onIdle);
        return;
      }
      // RFC 1939 §3: an autologout timer ends the session without entering UPDATE.
      this.#write(err('Autologout: idle for too long'));
      this.#close();
    };
    timed.setTimeout?.(idleMs, onIdle);
    return () => {
      socket.off('data', this.#onData);
      socket.off('error', onError);
      socket.off('close', onClose);
      timed.setTimeout?.(0);
    };
  }

  async #pump(): Promise<void> {
    if (this.#busy || this.#closed) return;
    this.#busy = true;
    try {
      for (let event = this.#reader.next(); event !== undefined && !this.#closed; event = this.#reader.next()) {
        await this.#handle(event);
        // A client that pipelines without reading our replies must not grow our output buffer.
        if (this.#socket.writableNeedDrain) await this.#drain();
      }
    } catch (e) {
      // Outside #handle's own catch (the reader, a drain): this connection ends, nothing else.
      serverMetrics(this.#ctx.metrics).connectionErrors.inc({ protocol: 'pop3' });
      this.#log.error({ err: e }, 'pop3 connection failed; closing it');
      this.#write(err('Internal error, closing connection', 'SYS/TEMP'));
      this.#close();
    } finally {
      this.#busy = false;
      if (this.#paused && !this.#closed) {
        this.#paused = false;
        this.#socket.resume();
      }
    }
  }

  async #handle(event: LineEvent): Promise<void> {
    if (event.kind === 'overlong') return this.#refused(overlongReply());
    try {
      await this.#carryOut(decide(this.#phase, this.#environment(), event.line));
    } catch (e) {
      this.#log.error({ err: e }, 'pop3 command failed');
      this.#write(err('Internal error, try again later', 'SYS/TEMP'));
    }
  }

  #environment(): Environment {
    const loopback = isLoopback(this.#options.remoteAddress) && this.#ctx.config.pop3.allow_plaintext_loopback;
    return { tls: this.#tls, tlsAvailable: this.#options.tlsAvailable, plaintextAllowed: this.#tls || loopback };
  }

  async #carryOut(action: Action): Promise<void> {
    switch (action.kind) {
      case 'reply':
        if (action.next) this.#phase = action.next;
        if (action.bad) return this.#refused(action.reply);
        this.#write(action.reply);
        return;
      case 'close':
        this.#write(action.reply);
        this.#close();
        return;
      case 'starttls':
        return this.#startTls(action.reply);
      case 'login':
        return this.#login(action.user, action.password);
      case 'sasl-plain': {
        this.#phase = initialPhase;
        const creds = decodeSaslPlain(action.response);
        // RFC 4616 §2: an authorization identity other than the user's own is not supported.
        if (creds === null || (creds.authzid !== '' && creds.authzid.toLowerCase() !== creds.username.toLowerCase())) {
          return this.#refused(err('Malformed SASL PLAIN response'));
        }
        return this.#login(creds.username, creds.password);
      }
      case 'send':
        return this.#send(action.message, action.topLines);
      case 'update':
        return this.#update(action.uids);
    }
  }

  #refused(reply: string): void {
    this.#write(reply);
    if (++this.#badCommands >= POP3_MAX_BAD_COMMANDS) {
      this.#write(err('Too many bad commands, closing connection'));
      this.#close();
    }
  }

  async #startTls(reply: string): Promise<void> {
    const raw = this.#socket;
    this.#write(reply);
    this.#detach();
    // RFC 2595 §4 (and CVE-2011-0411): anything pipelined after STLS was sent in the clear; drop it.
    this.#reader.clear();
    const secure = new tls.TLSSocket(raw as Socket, { isServer: true, secureContext: this.#ctx.tls.secureContext() });
    this.#socket = secure;
    this.#tls = true;
    this.#detach = this.#attach(secure);
    const timer = setTimeout(() => secure.destroy(), TLS_HANDSHAKE_TIMEOUT_MS);
    await new Promise<void>((resolve) => {
      secure.once('secure', () => resolve());
      secure.once('close', () => resolve());
      secure.once('error', () => resolve());
    });
    clearTimeout(timer);
    this.#phase = initialPhase;
  }

  async #login(user: string, password: string): Promise<void> {
    this.#phase = initialPhase;
    const result = await authenticate(this.#ctx.store, this.#ctx.throttle, this.#options.remoteAddress, user, password);
    if (this.#closed) return;
    if (!result.ok) {
      serverMetrics(this.#ctx.metrics).authFailures.inc({ protocol: 'pop3' });
      if (result.reason === 'throttled') return this.#refused(err('Too many failed logins, try again later', 'SYS/TEMP'));
      return this.#refused(err('Authentication failed', 'AUTH'));
    }
    const release = await this.#options.locks.tryAcquire(result.accountId);
    if (release !== null && this.#closed) return release();
    if (release === null) {
      this.#write(err('Maildrop is in use by another POP3 session', 'IN-USE'));
      return;
    }
    try {
      const maildrop = await this.#loadMaildrop(result.accountId, release);
      if (maildrop === null) {
        release();
        this.#write(err('No INBOX for this account', 'SYS/PERM'));
        return;
      }
      if (this.#closed) return release();
      this.#phase = { name: 'transaction', maildrop };
      this.#write(ok(`Logged in, ${maildrop.stat().count} messages`));
    } catch (e) {
      release();
      this.#loggedIn = null;
      throw e;
    }
  }

  /** Takes the INBOX snapshot, computing (once per content, then remembered) any missing RETR sizes. */
  async #loadMaildrop(accountId: number, release: () => void): Promise<Maildrop | null> {
    const store = this.#ctx.store.pop3;
    const snapshot = await store.snapshot(accountId);
    if (snapshot === null) return null;
    const contentOf = new Map<number, number>();
    const gone = new Set<number>();
    const missing = snapshot.messages.filter((m) => m.octets === null);
    for (let i = 0; i < missing.length; i += POP3_OCTETS_PAGE) {
      if (i > 0) await yieldToLoop();
      const computed: { contentId: number; octets: number }[] = [];
      for (const m of missing.slice(i, i + POP3_OCTETS_PAGE)) {
        try {
          m.octets = await pop3OctetsOf(store.pieces(m.contentId));
          computed.push({ contentId: m.contentId, octets: m.octets });
        } catch {
          gone.add(m.uid); // expunged by another session since the snapshot was read
        }
      }
      // Only a cache: a store that cannot take the write now still lets the user read mail.
      await store.recordOctets(computed).catch((e: unknown) => this.#log.warn({ err: e }, 'pop3 could not record message sizes'));
    }
    const messages: MaildropMessage[] = [];
    for (const m of snapshot.messages) {
      if (gone.has(m.uid)) continue;
      contentOf.set(m.uid, m.contentId);
      messages.push({ uid: m.uid, octets: m.octets!, uniqueId: uidlFor(snapshot.uidValidity, m.uid) });
    }
    this.#loggedIn = { accountId, mailboxId: snapshot.mailboxId, contentOf, release };
    return new Maildrop(messages);
  }

  /** RETR / TOP: "+OK", then the stuffed message streamed from the store's reader. */
  async #send(message: MaildropMessage, topLines: number | null): Promise<void> {
    const contentId = this.#loggedIn!.contentOf.get(message.uid)!;
    const pieces = this.#ctx.store.pop3.pieces(contentId)[Symbol.asyncIterator]();
    let first: IteratorResult<Buffer>;
    try {
      first = await pieces.next();
    } catch {
      return this.#refused(err('Message was removed by another session'));
    }
    const stuffer = new MessageStuffer(topLines);
    const head = topLines === null ? ok(`${message.octets} octets`) : ok('Top of message follows');
    let batch: Buffer[] = [Buffer.from(head)];
    let batched = batch[0]!.length;
    // After "+OK" an error can no longer be reported in-band: the only honest thing is to hang up.
    try {
      for (let r = first; !r.done && !stuffer.done; r = await pieces.next()) {
        for (const part of stuffer.push(r.value)) {
          batch.push(part);
          batched += part.length;
        }
        if (batched >= POP3_WRITE_BATCH) {
          const drained = this.#writeBuffers(batch);
          batch = [];
          batched = 0;
          if (!drained) await this.#drain();
          if (this.#closed) return;
        }
      }
    } catch (e) {
      this.#log.error({ err: e, contentId }, 'pop3 RETR read failed mid-message');
      this.#close();
      return;
    } finally {
      await pieces.return?.(undefined);
    }
    batch.push(...stuffer.finish());
    if (!this.#writeBuffers(batch)) await this.#drain();
  }

  async #update(uids: number[]): Promise<void> {
    this.#phase = { name: 'update' };
    const session = this.#loggedIn!;
    try {
      const removed = await this.#ctx.store.pop3.expunge(session.accountId, session.mailboxId, uids);
      this.#write(ok(`Postern POP3 server signing off (${removed.length} messages deleted)`));
    } catch (e) {
      // RFC 1939 §6: "-ERR some deleted messages not removed"; the transaction left all of them.
      this.#log.error({ err: e }, 'pop3 UPDATE failed');
      this.#write(err('Some deleted messages not removed, try again later', 'SYS/TEMP'));
    }
    this.#close();
  }

  #write(text: string): void {
    if (!this.#closed) this.#socket.write(text);
  }

  /** Writes one batch; false when the socket asks us to wait for 'drain'. */
  #writeBuffers(parts: Buffer[]): boolean {
    if (this.#closed || parts.length === 0) return true;
    return this.#socket.write(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
  }

  #drain(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.#socket.off('drain', done);
        this.#socket.off('close', done);
        resolve();
      };
      this.#socket.once('drain', done);
      this.#socket.once('close', done);
    });
  }

  #close(): void {
    if (this.#closed) return;
    this.#socket.end();
    this.#finish();
  }

  #finish(): void {
    if (!this.#closed) this.#closed = true;
    if (this.#preauthTimer) clearTimeout(this.#preauthTimer);
    if (this.#loggedIn) {
      this.#loggedIn.release();
      this.#loggedIn = null;
    }
    this.#onClosed();
  }
}
