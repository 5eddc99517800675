// One IMAP connection: the state machine (RFC 3501 §3), the loop that frames commands, dispatches
// them and writes replies, STARTTLS, and the reporting of other sessions' changes to the selected
// mailbox. Always true: one command runs at a time and the next is read only after the previous
// one's tagged reply is queued (backpressure both ways: input is paused while a command runs, large
// output waits for 'drain'); untagged EXPUNGE is never sent after FETCH/STORE/SEARCH (§7.4.1);
// nothing is written while a store transaction is open (the store's methods commit before resolving);
// an exception escaping a command or the input loop closes this connection with BYE [SERVERBUG],
// logged and counted, and never reaches the process; a literal is refused at its announcement when
// the state does not allow the command, before login when over IMAP_MAX_PREAUTH_LITERAL_BYTES, and
// for APPEND when it would exceed the quota; a client that has not logged in within
// IMAP_PREAUTH_DEADLINE_SECONDS, or sends a literal slower than the minimum rate, is disconnected.
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { CommandFramer, type LiteralAnnouncement, type LiteralRefusal } from '../protocol/command-framer.ts';
import { isLoopback } from '../../net/client-address.ts';
import { ackNow } from '../../net/quick-ack.ts';
import { ArgumentReader } from '../protocol/argument-reader.ts';
import { ImapSyntaxError, parseCommand, type ParsedCommand } from '../protocol/tokens.ts';
import { responseText } from '../protocol/response-writer.ts';
import { formatNumbers } from '../protocol/sequence-set.ts';
import type { FetchItem } from '../protocol/fetch-attributes.ts';
import type { MailboxChange } from '../../store/change-bus.ts';
import type { Lease } from '../../store/api.ts';
import { capabilities } from './capabilities.ts';
import type { Completion } from './completion.ts';
import { flagList } from './flag-text.ts';
import type { ImapServices } from './services.ts';
import type { SelectedMailbox } from './selected-mailbox.ts';
import type { Notifier } from './notifier.ts';
import { DeflateStream } from './compression.ts';
import {
  IMAP_IDLE_TIMEOUT_SECONDS,
  IMAP_MAX_BAD_COMMANDS,
  IMAP_MAX_LINE_LENGTH,
  IMAP_MAX_ARGUMENT_LITERAL,
  IMAP_MAX_LITERALS_PER_COMMAND,
  IMAP_MAX_COMMAND_LITERAL_BYTES,
  IMAP_MAX_PREAUTH_LITERAL_BYTES,
  IMAP_LITERAL_MIN_BYTES_PER_SECOND,
  IMAP_OUTPUT_HIGH_WATER,
  IMAP_PREAUTH_TIMEOUT_SECONDS,
  IMAP_HELD_OUTPUT_BYTES,
  IMAP_REPORT_WRITE_CHARS,
  TLS_HANDSHAKE_TIMEOUT_MS,
} from '../../limits.ts';

export type SessionState = 'not-authenticated' | 'authenticated' | 'selected';

export interface ConnectionInfo {
  remoteAddress: string;
  secure: boolean;
}

export class ImapSession {
  readonly services: ImapServices;
  readonly remoteAddress: string;
  state: SessionState = 'not-authenticated';
  secure: boolean;
  account: { id: number; address: string } | null = null;
  selected: SelectedMailbox | null = null;
  utf8 = false;
  condstore = false;
  qresync = false;
  /** What NOTIFY (RFC 5465) asked for; null until the first NOTIFY. */
  notifier: Notifier | null = null;

  private stream: Duplex;
  /** A command is running (between its parse and its tagged reply): notifications wait for its end. */
  private inCommand = false;
  private readonly heldNotifications: string[] = [];
  private readonly framer: CommandFramer;
  private busy = false;
  private closed = false;
  private badInARow = 0;
  private lineWaiter: ((line: Buffer | null) => void) | null = null;
  /** The stream corked while a command runs (see holdOutput), or null. */
  private corked: Duplex | null = null;
  private unsubscribe: (() => void) | null = null;
  private slot: Lease | null = null;
  private selectingEvents: MailboxChange[] | null = null;
  private idling = false;
  private reporting: Promise<void> = Promise.resolve();
  private preauthTimer: NodeJS.Timeout | null = null;
  private literalTimer: NodeJS.Timeout | null = null;
  private readonly onData = (chunk: Buffer) => {
    try {
      this.received(chunk);
    } catch (err) {
      this.failed(err, 'input');
    }
  };

  constructor(services: ImapServices, stream: Duplex, info: ConnectionInfo) {
    this.services = services;
    this.stream = stream;
    this.remoteAddress = info.remoteAddress;
    this.secure = info.secure;
    this.framer = new CommandFramer({
      maxLineLength: IMAP_MAX_LINE_LENGTH,
      maxAppendLiteral: services.settings.maxMessageSize,
      maxArgumentLiteral: IMAP_MAX_ARGUMENT_LITERAL,
      maxLiteralsPerCommand: IMAP_MAX_LITERALS_PER_COMMAND,
      maxCommandLiteralBytes: IMAP_MAX_COMMAND_LITERAL_BYTES,
      admit: (a) => this.admitLiteral(a),
    });
    this.attach(stream);
  }

  /** Refusals the framer asks about at each literal announcement, before any literal byte is read. */
  private admitLiteral(a: LiteralAnnouncement): LiteralRefusal | null {
    if (this.state === 'not-authenticated' && a.bytesSoFar + a.size > IMAP_MAX_PREAUTH_LITERAL_BYTES) {
      return { status: 'NO', text: 'Literal too large before login', code: 'TOOBIG' };
    }
    const handler = this.services.commands.get(a.command);
    if (handler && !handler.states.includes(this.state)) return { status: 'BAD', text: `${a.command} is not allowed ${this.stateText()}` };
    return null;
  }

  /** The quota check for an APPEND literal, made before "+" (RFC 9208 §4.2 OVERQUOTA). */
  private async literalOverQuota(command: string, size: number): Promise<boolean> {
    if (command !== 'APPEND' || !this.account) return false;
    const quota = await this.services.mailboxes.quota(this.account.id);
    return quota.limit > 0 && quota.used + size > quota.limit;
  }

  private stateText(): string {
    return this.state === 'selected' ? 'with a mailbox selected' : this.state === 'authenticated' ? 'without a selected mailbox' : 'before login';
  }

  /** An exception nothing else caught: this connection ends with BYE [SERVERBUG]; the process goes on. */
  private failed(err: unknown, where: string): void {
    this.services.metrics?.connectionErrors.inc({ protocol: 'imap' });
    this.services.log.error({ err, where, ip: this.remoteAddress, state: this.state, account: this.account?.address }, 'IMAP connection failed; closing it');
    try {
      this.logout('[SERVERBUG] Internal error; closing the connection');
    } catch {
      this.destroy();
    }
  }

  /** Sends the greeting (RFC 3501 §7.1.1) with the capabilities, as Thunderbird reads them there. */
  start(): void {
    this.setTimeout(IMAP_PREAUTH_TIMEOUT_SECONDS);
    this.preauthTimer = setTimeout(() => {
      if (this.state === 'not-authenticated') this.logout('Login time exceeded');
    }, this.services.settings.preauthDeadlineSeconds * 1000);
    this.preauthTimer.unref();
    this.writeLine(`* OK [CAPABILITY ${this.capabilityText()}] ${this.services.settings.hostname} Postern IMAP ready`);
  }

  get loginAllowed(): boolean {
    return this.secure || (this.services.settings.allowPlaintextLoopback && isLoopback(this.remoteAddress));
  }

  get tlsAvailable(): boolean {
    return this.services.secureContext !== null;
  }

  capabilityText(): string {
    return capabilities({
      authenticated: this.state !== 'not-authenticated',
      secure: this.secure,
      tlsAvailable: this.tlsAvailable,
      loginAllowed: this.loginAllowed,
      maxMessageSize: this.services.settings.maxMessageSize,
    });
  }

  // --- output ---

  writeLine(line: string): void {
    this.write(line + '\r\n');
  }

  /** `* text` */
  untagged(text: string): void {
    this.write('* ' + text + '\r\n');
  }

  write(data: string | Buffer): void {
    if (this.closed) return;
    this.stream.write(data);
  }

  /** While a command runs its output is corked, so its untagged responses, the changes reported
   *  after it and its tagged reply leave in one writev rather than a syscall each (a third of a
   *  small command's CPU went to socket writes: bench/profiles.md, imaptest). Output is released
   *  before anything waits: for the socket (drain), for the client (readLine), for a new stream
   *  (STARTTLS, COMPRESS), and when the command ends; a large response, at its first page. */
  private holdOutput(): void {
    if (this.corked || this.closed) return;
    this.corked = this.stream;
    this.stream.cork();
  }

  private releaseOutput(): void {
    const c = this.corked;
    if (!c) return;
    this.corked = null;
    c.uncork();
  }

  /** Writes many chunks as one batch (corked: one writev instead of a syscall per chunk). */
  writeAll(parts: readonly (string | Buffer)[]): void {
    if (this.closed || parts.length === 0) return;
    this.stream.cork();
    for (const p of parts) this.stream.write(p);
    this.stream.uncork();
  }

  /** Waits until the connection has taken what was written (backpressure for large responses).
   *  Always yields to the event loop once, so a long FETCH or STORE lets other sessions run between
   *  its pages even when the kernel takes the output as fast as we produce it. */
  async drain(): Promise<void> {
    if (this.closed) return;
    // A large response flows from its first page on, so the client reads while we produce.
    if (this.stream.writableLength >= IMAP_HELD_OUTPUT_BYTES) this.releaseOutput();
    if (this.stream.writableLength < IMAP_OUTPUT_HIGH_WATER) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      return;
    }
    this.releaseOutput();
    await new Promise<void>((resolve) => {
      const done = () => {
        this.stream.off('drain', done);
        this.stream.off('close', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('close', done);
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Reads the next line the client sends (AUTHENTICATE responses, IDLE's DONE); null on close. */
  readLine(): Promise<Buffer | null> {
    this.releaseOutput();
    return new Promise((resolve) => {
      this.lineWaiter = resolve;
      this.stream.resume();
      this.deliverLine();
    });
  }

  // --- state changes ---

  /** `slot` is the account's IMAP session place (store.shared), given back at cleanup. */
  loggedIn(account: { id: number; address: string }, slot: Lease): void {
    if (this.closed) {
      slot.release().catch(() => {});
      return;
    }
    this.slot = slot;
    this.account = account;
    this.state = 'authenticated';
    this.clearPreauthTimer();
    this.setTimeout(IMAP_IDLE_TIMEOUT_SECONDS);
    this.unsubscribe = this.services.store.bus.subscribe(account.id, (change) => this.changed(change));
  }

  /** Starts buffering changes for a mailbox about to be selected, so none is lost while it loads. */
  beginSelect(): void {
    this.selected = null;
    this.state = 'authenticated';
    this.selectingEvents = [];
  }

  select(view: SelectedMailbox): void {
    const early = this.selectingEvents ?? [];
    this.selectingEvents = null;
    this.selected = view;
    this.state = 'selected';
    for (const e of early) if (e.mailboxId === view.id) view.record(e);
  }

  deselect(): void {
    this.selectingEvents = null;
    this.selected = null;
    this.state = 'authenticated';
  }

  /** Whether COMPRESS=DEFLATE is active (RFC 4978). */
  get compressed(): boolean {
    return this.stream instanceof DeflateStream;
  }

  /** RFC 4978 §3: after the tagged OK everything is compressed, both ways. Bytes the client sent
   *  before it could have seen the OK were not compressed and are dropped, as for STARTTLS. */
  startCompression(): void {
    this.releaseOutput();
    this.framer.reset();
    const plain = this.stream;
    plain.off('data', this.onData);
    const compressed = new DeflateStream(plain);
    this.stream = compressed;
    this.attach(compressed);
  }

  /** RFC 3501 §6.2.1 STARTTLS: after the OK, wrap the socket; bytes already buffered are dropped. */
  async startTls(): Promise<void> {
    const context = this.services.secureContext;
    if (!context) throw new Error('no TLS context');
    this.releaseOutput();
    this.framer.reset();
    const plain = this.stream;
    plain.off('data', this.onData);
    plain.pause();
    const secure = new tls.TLSSocket(plain as never, { isServer: true, secureContext: context() });
    this.stream = secure;
    this.secure = true;
    this.attach(secure);
    const timer = setTimeout(() => secure.destroy(), TLS_HANDSHAKE_TIMEOUT_MS);
    try {
      await new Promise<void>((resolve, reject) => {
        secure.once('secure', () => resolve());
        secure.once('error', reject);
        secure.once('close', () => reject(new Error('connection closed during the TLS handshake')));
      });
    } finally {
      clearTimeout(timer);
    }
  }

  logout(text = 'Logging out'): void {
    this.untagged('BYE ' + text);
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.releaseOutput();
    this.closed = true;
    this.stream.end();
    this.cleanup();
  }

  // --- input loop ---

  private attach(stream: Duplex): void {
    stream.on('data', this.onData);
    stream.on('error', () => this.destroy());
    stream.on('close', () => this.destroy());
    stream.on('timeout', () => {
      this.logout('Autologout; idle for too long');
    });
  }

  private setTimeout(seconds: number): void {
    const s = this.stream as Duplex & { setTimeout?: (ms: number) => unknown };
    if (typeof s.setTimeout === 'function') s.setTimeout(seconds * 1000);
  }

  private destroy(): void {
    if (!this.closed) {
      this.closed = true;
      this.stream.destroy();
    }
    this.cleanup();
  }

  private clearPreauthTimer(): void {
    if (this.preauthTimer) clearTimeout(this.preauthTimer);
    this.preauthTimer = null;
  }

  private clearLiteralTimer(): void {
    if (this.literalTimer) clearTimeout(this.literalTimer);
    this.literalTimer = null;
  }

  /** Starts the deadline for a literal being read: the grace period plus its size at the minimum rate. */
  private literalStarted(size: number): void {
    if (this.literalTimer) return;
    const ms = (this.services.settings.literalGraceSeconds + size / IMAP_LITERAL_MIN_BYTES_PER_SECOND) * 1000;
    this.literalTimer = setTimeout(() => this.logout('Literal sent too slowly'), ms);
    this.literalTimer.unref();
  }

  private cleanup(): void {
    this.notifier = null;
    this.services.idleKeepAlive.remove(this);
    this.clearPreauthTimer();
    this.clearLiteralTimer();
    if (this.unsubscribe) {
      this.unsubscribe();
      this.unsubscribe = null;
    }
    if (this.slot) {
      this.slot.release().catch(() => {});
      this.slot = null;
    }
    if (this.lineWaiter) {
      const w = this.lineWaiter;
      this.lineWaiter = null;
      w(null);
    }
  }

  private received(chunk: Buffer): void {
    this.framer.push(chunk);
    if (this.lineWaiter) this.deliverLine();
    else if (this.busy) this.stream.pause(); // a command is running: read no further until it ends
    else void this.pump();
  }

  private deliverLine(): void {
    if (!this.lineWaiter) return;
    const r = this.framer.next();
    if (r.kind === 'command') {
      const w = this.lineWaiter;
      this.lineWaiter = null;
      w(r.command.lines[0]!);
    } else if (r.kind === 'error') {
      const w = this.lineWaiter;
      this.lineWaiter = null;
      w(Buffer.alloc(0));
      if (r.fatal) this.logout(r.text);
    } else if (r.kind === 'continue') {
      this.writeLine('+ Ready for literal');
    }
  }

  private async pump(): Promise<void> {
    if (this.busy || this.closed) return;
    this.busy = true;
    this.stream.pause();
    try {
      while (!this.closed && !this.lineWaiter) {
        const r = this.framer.next();
        if (r.kind === 'need-more') {
          if (r.literal) this.literalStarted(r.literal.size);
          // Waiting for the client with nothing to send: acknowledge now, or a client that wrote a
          // literal and its CRLF separately (imaplib) holds the CRLF for our delayed ACK (40 ms).
          ackNow(this.stream);
          break;
        }
        this.clearLiteralTimer();
        if (r.kind === 'continue') {
          if (await this.literalOverQuota(r.command, r.size)) {
            this.framer.refuseLiteral();
            this.writeLine(`${r.tag ?? '*'} NO [OVERQUOTA] The message would exceed the quota`);
            continue;
          }
          this.writeLine('+ Ready for literal');
          continue;
        }
        if (r.kind === 'error') {
          if (r.fatal) {
            this.logout(r.text);
            break;
          }
          const code = r.code ? `[${r.code}] ` : '';
          // RFC 7888 §4 / RFC 3501 §7.1: a refused literal is answered tagged, the line too long BAD.
          this.writeLine(`${r.tag ?? '*'} ${r.status} ${code}${r.text}`);
          if (this.countBad()) break;
          continue;
        }
        await this.execute(r.command.lines[0]!, () => parseCommand(r.command));
      }
    } catch (err) {
      this.failed(err, 'command loop');
    } finally {
      this.busy = false;
      if (!this.closed) this.stream.resume();
    }
  }

  private countBad(): boolean {
    if (++this.badInARow < IMAP_MAX_BAD_COMMANDS) return false;
    this.logout('Too many invalid commands');
    return true;
  }

  private async execute(firstLine: Buffer, parse: () => ParsedCommand): Promise<void> {
    this.holdOutput();
    try {
      await this.executeHeld(firstLine, parse);
    } finally {
      this.releaseOutput();
    }
  }

  private async executeHeld(firstLine: Buffer, parse: () => ParsedCommand): Promise<void> {
    let cmd: ParsedCommand;
    try {
      cmd = parse();
    } catch (err) {
      const tag = /^([^\x00-\x20\x7f-\xff(){%*"\\+]+) /.exec(firstLine.subarray(0, 128).toString('latin1'))?.[1] ?? '*';
      this.writeLine(`${tag} BAD ${err instanceof ImapSyntaxError ? responseText(err.message) : 'Invalid command'}`);
      this.countBad();
      return;
    }
    const handler = this.services.commands.get(cmd.name);
    let completion: Completion;
    if (!handler) {
      completion = { status: 'BAD', text: `Unknown command ${cmd.name.slice(0, 30)}` };
    } else if (cmd.uid && !handler.uid) {
      completion = { status: 'BAD', text: `UID ${cmd.name} is not a command` };
    } else if (!handler.states.includes(this.state)) {
      completion = { status: 'BAD', text: `${cmd.name} is not allowed ${this.stateText()}` };
    } else {
      // No unprompted report starts from here on, and one still writing (NOTIFY) finishes first.
      this.inCommand = true;
      await this.reporting.catch(() => undefined);
      try {
        const args = handler.parse(new ArgumentReader(cmd.args), this, cmd);
        completion = await handler.run(this, args, cmd);
      } catch (err) {
        completion = this.services.commands.replyForError(err, this.services.log, cmd.name);
      }
      if (this.selected && !this.closed && completion.status !== 'BAD') {
        try {
          await this.reportChanges(!(handler.forbidsExpunge?.(cmd) ?? false));
        } catch (err) {
          this.services.log.error({ err }, 'IMAP change report failed');
        }
      }
      this.inCommand = false;
      for (const line of this.heldNotifications.splice(0)) this.untagged(line);
    }
    if (this.closed || completion.sent) return;
    if (completion.status === 'BAD') {
      if (this.countBad()) return;
    } else {
      this.badInARow = 0;
    }
    const code = completion.code ? `[${completion.code}] ` : '';
    this.writeLine(`${cmd.tag} ${completion.status} ${code}${responseText(completion.text)}`);
    this.releaseOutput();
    if (completion.close) this.close();
    else await this.drain();
  }

  // --- changes from other sessions ---

  private changed(change: MailboxChange): void {
    this.notifier?.changed(change);
    if (this.selectingEvents) this.selectingEvents.push(change);
    const view = this.selected;
    if (!view || change.mailboxId !== view.id) return;
    view.record(change);
    // RFC 2177: while idling, changes are reported as they happen; so are they, between commands,
    // when NOTIFY asked for the selected mailbox's events (RFC 5465 §6.1), EXPUNGE only with SELECTED.
    const immediate = this.idling || (this.notifier?.selectedImmediate === true && !this.inCommand);
    if (immediate) this.reportChanges(this.idling || this.notifier!.expungeImmediate).catch((err) => this.services.log.error({ err }, 'IMAP IDLE report failed'));
  }

  /** NOTIFY's MessageNew fetch (RFC 5465 §5.2), as FETCH itself answers it (its limits included). */
  private async fetchNew(uids: number[], items: FetchItem[]): Promise<void> {
    const done = await this.services.commands.fetchNew(this, uids, items);
    if (done.status !== 'OK') this.services.log.warn({ text: done.text }, 'IMAP NOTIFY MessageNew fetch failed');
  }

  /** An untagged notification (NOTIFY's STATUS and LIST): held while a command is writing. */
  notify(line: string): void {
    if (this.inCommand && !this.idling) this.heldNotifications.push(line);
    else this.untagged(line);
  }

  /** EXPUNGE per message, or one VANISHED once QRESYNC is enabled (RFC 7162 §3.2.10). */
  reportExpunged(removed: { uids: number[]; seqs: number[] }): void {
    if (removed.uids.length === 0) return;
    // One write for all the lines: a syscall each was a good part of a busy session's cost.
    let text = '';
    // RFC 5267 §4.3.4: REMOVEFROM comes before the expunge it is about.
    for (const line of this.selected?.contexts.expunged(removed.uids, removed.seqs) ?? []) text += `* ${line}\r\n`;
    if (this.qresync) text += `* VANISHED ${formatNumbers(removed.uids)}\r\n`;
    else for (const seq of removed.seqs) text += `* ${seq} EXPUNGE\r\n`;
    this.write(text);
  }

  /** RFC 7162 §3.1: a CONDSTORE-enabling command (FETCH MODSEQ, SEARCH MODSEQ, UNCHANGEDSINCE,
   *  CHANGEDSINCE) turns CONDSTORE on; with a mailbox selected the client learns its HIGHESTMODSEQ. */
  enableCondstore(): void {
    if (this.condstore) return;
    this.condstore = true;
    if (this.selected) this.untagged(`OK [HIGHESTMODSEQ ${this.selected.highestModseq}] Highest`);
  }

  setIdling(on: boolean): void {
    this.idling = on;
    if (on) this.services.idleKeepAlive.add(this);
    else this.services.idleKeepAlive.remove(this);
  }

  /** Called by the shared keep-alive timer while this session idles. */
  keepAlive(): void {
    if (this.idling && !this.closed) this.untagged('OK Still here');
  }

  /** Reports other sessions' changes to the selected mailbox: EXPUNGE/VANISHED (when allowed),
   *  EXISTS/RECENT for new mail, FETCH FLAGS for flag changes. */
  reportChanges(expungeAllowed: boolean): Promise<void> {
    // Serialized: IDLE can be woken by several changes while a report is still reading the store.
    this.reporting = this.reporting.then(() => this.reportOnce(expungeAllowed));
    return this.reporting;
  }

  private async reportOnce(expungeAllowed: boolean): Promise<void> {
    const view = this.selected;
    if (!view || this.closed) return;
    const report = await view.takeChanges(this.services, expungeAllowed);
    if (!report) return;
    if (report.deleted) {
      this.logout('Selected mailbox was deleted');
      return;
    }
    this.reportExpunged(report.expunged);
    if (report.fresh.length > 0) {
      this.write(`* ${view.exists} EXISTS\r\n* ${view.recent.size} RECENT\r\n`);
      // RFC 5465 §5.2: NOTIFY's MessageNew fetch attributes, answered for the new messages after EXISTS.
      const atts = this.notifier?.selected?.fetch;
      if (atts) await this.fetchNew(report.fresh, atts);
    }
    let text = '';
    for (const r of await view.takeFlagChanges(this.services)) {
      const extra = (this.qresync ? ` UID ${r.uid}` : '') + (this.condstore ? ` MODSEQ (${r.modseq})` : '');
      text += view.keywordAnnouncement(r.keywords);
      text += `* ${r.seq} FETCH (FLAGS ${flagList(r.flags, r.keywords, view.recent.has(r.uid))}${extra})\r\n`;
      if (text.length >= IMAP_REPORT_WRITE_CHARS) {
        this.write(text);
        text = '';
      }
    }
    // RFC 5267 §4.3.3: ADDTO for new messages after their EXISTS.
    for (const line of await view.contexts.refresh(this, view)) text += `* ${line}\r\n`;
    if (text) this.write(text);
    await this.drain();
  }
}
