// One ManageSieve connection (RFC 5804): greeting with capabilities, STARTTLS, AUTHENTICATE PLAIN
// and LOGIN through the shared login throttle, then the script commands. Always true: commands are
// read one at a time (the next is parsed only after the previous reply was written); AUTHENTICATE
// needs TLS unless [managesieve] allow_plaintext_loopback allows a loopback client, as IMAP does;
// anything pipelined after STARTTLS is dropped (it was sent in the clear); a script is stored only
// after it compiled; every refusal is a NO with the RFC 5804 §1.3 response code that explains it.
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import type { ServerContext } from '../server-context.ts';
import type { Logger } from '../log.ts';
import { authenticate } from '../login/authenticate.ts';
import { authzidPermitted, decodeSaslPlain } from '../login/sasl.ts';
import { isLoopback } from '../net/client-address.ts';
import { serverMetrics } from '../metrics/catalogue.ts';
import { MANAGESIEVE_IDLE_TIMEOUT_S, MANAGESIEVE_MAX_BAD_COMMANDS, MANAGESIEVE_PREAUTH_TIMEOUT_S, SIEVE_MAX_REDIRECTS, TLS_HANDSHAKE_TIMEOUT_MS } from '../limits.ts';
import { SIEVE_EXTENSIONS } from '../sieve/capabilities.ts';
import { SieveScriptActiveError, SieveScriptExistsError, SieveScriptNotFoundError } from '../store/sieve.ts';
import { checkScriptName, checkScriptText, checkSpace, putScript, type ScriptRefusal } from './script-policy.ts';
import { CommandReader, literal, response, sieveString, type Token } from './protocol.ts';

export interface ManageSieveOptions {
  ctx: ServerContext;
  remoteAddress: string;
  /** True on a connection that is already TLS. */
  tls: boolean;
}

const REFUSAL_CODES: Record<ScriptRefusal['kind'], string | undefined> = {
  'bad-name': undefined, syntax: undefined, 'too-big': 'QUOTA/MAXSIZE', 'quota-maxscripts': 'QUOTA/MAXSCRIPTS', 'quota-maxsize': 'QUOTA/MAXSIZE',
};

/** What a SASL exchange waits for: the client's next response line. */
type SaslStep = (answer: string) => Promise<void>;

export class ManageSieveSession {
  #socket: Duplex;
  readonly #ctx: ServerContext;
  readonly #remote: string;
  readonly #log: Logger;
  readonly #reader = new CommandReader();
  #tls: boolean;
  #account: { id: number; address: string } | null = null;
  #sasl: SaslStep | null = null;
  #busy = false;
  #closed = false;
  #bad = 0;
  #detach: () => void = () => {};
  #onClosed: () => void = () => {};
  #timer: NodeJS.Timeout | null = null;

  constructor(socket: Duplex, options: ManageSieveOptions) {
    this.#socket = socket;
    this.#ctx = options.ctx;
    this.#remote = options.remoteAddress;
    this.#tls = options.tls;
    this.#log = options.ctx.log.child({ proto: 'managesieve', ip: options.remoteAddress });
  }

  run(): Promise<void> {
    const done = new Promise<void>((resolve) => (this.#onClosed = resolve));
    this.#detach = this.#attach(this.#socket);
    this.#arm();
    this.#write(this.#capabilities() + response('OK', 'Postern ManageSieve ready'));
    return done;
  }

  /** The inactivity deadline: short before login, long after it. */
  #arm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    const seconds = this.#account ? MANAGESIEVE_IDLE_TIMEOUT_S : MANAGESIEVE_PREAUTH_TIMEOUT_S;
    this.#timer = setTimeout(() => { this.#write(response('BYE', 'Idle for too long')); this.#close(); }, seconds * 1000);
    this.#timer.unref();
  }

  #attach(socket: Duplex): () => void {
    const onData = (chunk: Buffer) => { this.#reader.push(chunk); void this.#pump(); };
    const onError = (e: Error) => this.#log.debug({ err: e }, 'managesieve socket error');
    const onClose = () => this.#finish();
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
    return () => { socket.off('data', onData); socket.off('error', onError); socket.off('close', onClose); };
  }

  get #plaintextAllowed(): boolean {
    return this.#tls || (this.#ctx.config.managesieve.allow_plaintext_loopback && isLoopback(this.#remote));
  }

  // RFC 5804 §1.7: the capability response; SASL only where AUTHENTICATE is allowed.
  #capabilities(): string {
    const lines = [
      `"IMPLEMENTATION" "Postern"`,
      `"SIEVE" ${sieveString(SIEVE_EXTENSIONS.join(' '))}`,
      ...(this.#account ? [] : [`"SASL" ${sieveString(this.#plaintextAllowed ? 'PLAIN LOGIN' : '')}`]),
      ...(this.#tls ? [] : ['"STARTTLS"']),
      `"MAXREDIRECTS" "${SIEVE_MAX_REDIRECTS}"`,
      `"VERSION" "1.0"`,
      ...(this.#account ? [`"OWNER" ${sieveString(this.#account.address)}`] : []),
    ];
    return lines.map((l) => l + '\r\n').join('');
  }

  async #pump(): Promise<void> {
    if (this.#busy || this.#closed) return;
    this.#busy = true;
    try {
      for (let r = this.#reader.next(); r !== undefined && !this.#closed; r = this.#reader.next()) {
        this.#arm();
        if (r.kind === 'error') {
          this.#write(response('BYE', `Protocol error: ${r.message}`, r.code));
          this.#close();
          break;
        }
        await this.#handle(r.tokens);
        if (this.#socket.writableNeedDrain) await new Promise<void>((resolve) => this.#socket.once('drain', resolve));
      }
    } catch (e) {
      serverMetrics(this.#ctx.metrics).connectionErrors.inc({ protocol: 'managesieve' });
      this.#log.error({ err: e }, 'managesieve command failed; closing the connection');
      this.#write(response('BYE', 'Internal error, try again later', 'TRYLATER'));
      this.#close();
    } finally {
      this.#busy = false;
    }
  }

  async #handle(tokens: Token[]): Promise<void> {
    if (this.#sasl) {
      const step = this.#sasl;
      this.#sasl = null;
      const answer = tokens[0];
      if (tokens.length !== 1 || answer!.kind !== 'string') return this.#no('Expected a SASL response string');
      if (answer!.value === '*') return this.#no('Authentication cancelled');
      return step(answer!.value);
    }
    const head = tokens[0];
    if (!head) return this.#no('Empty command');
    if (head.kind !== 'atom') return this.#no('Expected a command name');
    const args = tokens.slice(1);
    const strings = args.map((t) => t.value);
    const command = head.value.toUpperCase();
    const authenticated = this.#account !== null;
    const want = (n: number, m = n) => {
      if (args.length < n || args.length > m) { this.#no(`${command} takes ${n === m ? n : `${n} to ${m}`} argument(s)`); return false; }
      return true;
    };
    switch (command) {
      case 'CAPABILITY':
        if (!want(0)) return;
        return this.#ok(this.#capabilities());
      case 'NOOP':
        if (!want(0, 1)) return;
        // RFC 5804 §2.11: NOOP with a tag echoes it in a TAG response code.
        return this.#write(response('OK', 'Done', args[0] ? `TAG ${sieveString(args[0].value)}` : undefined));
      case 'LOGOUT':
        this.#write(response('OK', 'Logout'));
        return this.#close();
      case 'STARTTLS':
        if (!want(0)) return;
        if (this.#tls) return this.#no('TLS is already active');
        // RFC 5804 §2.2: only before authentication (a loopback client may log in without TLS).
        if (authenticated) return this.#no('STARTTLS is not allowed after authentication');
        return this.#startTls();
      case 'AUTHENTICATE':
        if (authenticated) return this.#no('Already authenticated');
        if (!want(1, 2)) return;
        return this.#authenticate(strings[0]!.toUpperCase(), strings[1]);
    }
    if (!authenticated) return this.#no('Authenticate first', undefined, true);
    const accountId = this.#account!.id;
    const store = this.#ctx.store;
    switch (command) {
      case 'HAVESPACE': {
        if (!want(2)) return;
        if (args[1]!.kind !== 'atom' || !/^\d{1,10}$/.test(args[1]!.value)) return this.#no('HAVESPACE takes a name and a number');
        const refusal = checkScriptName(strings[0]!) ?? (await checkSpace(store, accountId, strings[0]!, Number(strings[1])));
        return refusal ? this.#refuse(refusal) : this.#ok();
      }
      case 'PUTSCRIPT': {
        if (!want(2) || !this.#stringArgs(args)) return;
        const refusal = await putScript(store, accountId, strings[0]!, strings[1]!);
        if (refusal) return this.#refuse(refusal);
        this.#log.info({ account: this.#account!.address, script: strings[0] }, 'sieve script stored');
        return this.#ok();
      }
      case 'CHECKSCRIPT': {
        if (!want(1) || !this.#stringArgs(args)) return;
        const refusal = checkScriptText(strings[0]!);
        return refusal ? this.#refuse(refusal) : this.#ok();
      }
      case 'LISTSCRIPTS': {
        if (!want(0)) return;
        const lines = (await store.sieve.list(accountId)).map((s) => `${sieveString(s.name)}${s.active ? ' ACTIVE' : ''}\r\n`).join('');
        return this.#ok(lines);
      }
      case 'GETSCRIPT': {
        if (!want(1) || !this.#stringArgs(args)) return;
        const script = await store.sieve.get(accountId, strings[0]!);
        if (script === null) return this.#no('No such script', 'NONEXISTENT');
        return this.#ok(literal(script) + '\r\n');
      }
      case 'SETACTIVE': {
        if (!want(1) || !this.#stringArgs(args)) return;
        try {
          // RFC 5804 §2.8: the empty name deactivates every script.
          await store.sieve.setActive(accountId, strings[0] === '' ? null : strings[0]!);
        } catch (err) {
          if (err instanceof SieveScriptNotFoundError) return this.#no('No such script', 'NONEXISTENT');
          throw err;
        }
        return this.#ok();
      }
      case 'DELETESCRIPT': {
        if (!want(1) || !this.#stringArgs(args)) return;
        try {
          await store.sieve.delete(accountId, strings[0]!);
        } catch (err) {
          if (err instanceof SieveScriptNotFoundError) return this.#no('No such script', 'NONEXISTENT');
          if (err instanceof SieveScriptActiveError) return this.#no('The active script cannot be deleted', 'ACTIVE');
          throw err;
        }
        return this.#ok();
      }
      case 'RENAMESCRIPT': {
        if (!want(2) || !this.#stringArgs(args)) return;
        const bad = checkScriptName(strings[1]!);
        if (bad) return this.#refuse(bad);
        try {
          await store.sieve.rename(accountId, strings[0]!, strings[1]!);
        } catch (err) {
          if (err instanceof SieveScriptNotFoundError) return this.#no('No such script', 'NONEXISTENT');
          if (err instanceof SieveScriptExistsError) return this.#no('A script with the new name exists', 'ALREADYEXISTS');
          throw err;
        }
        return this.#ok();
      }
      default:
        return this.#no(`Unknown command ${command}`, undefined, true);
    }
  }

  #stringArgs(args: Token[]): boolean {
    if (args.every((a) => a.kind === 'string')) return true;
    this.#no('Arguments must be strings');
    return false;
  }

  async #authenticate(mechanism: string, initial: string | undefined): Promise<void> {
    if (!this.#plaintextAllowed) return this.#no('Use STARTTLS before authenticating', 'ENCRYPT-NEEDED');
    if (mechanism === 'PLAIN') {
      const finish = async (b64: string) => {
        const creds = decodeSaslPlain(b64);
        if (!creds || !authzidPermitted(creds.authzid, creds.username)) return this.#no('Malformed PLAIN response or authorization identity refused', 'AUTH-TOO-WEAK');
        return this.#login(creds.username, creds.password);
      };
      if (initial !== undefined) return finish(initial);
      // RFC 5804 §2.1: an empty challenge asks for the initial response.
      this.#write('""\r\n');
      this.#sasl = finish;
      return;
    }
    if (mechanism === 'LOGIN') {
      const b64 = (s: string) => Buffer.from(s).toString('base64');
      const decode = (s: string) => /^[A-Za-z0-9+/]*={0,2}$/.test(s) ? Buffer.from(s, 'base64').toString('utf8') : null;
      const askPassword = (user: string) => async (answer: string) => {
        const password = decode(answer);
        if (password === null) return this.#no('Malformed LOGIN response');
        return this.#login(user, password);
      };
      const withUser = async (answer: string) => {
        const user = decode(answer);
        if (user === null || user === '') return this.#no('Malformed LOGIN response');
        this.#write(`${sieveString(b64('Password:'))}\r\n`);
        this.#sasl = askPassword(user);
      };
      if (initial !== undefined) return withUser(initial);
      this.#write(`${sieveString(b64('Username:'))}\r\n`);
      this.#sasl = withUser;
      return;
    }
    return this.#no(`Unsupported SASL mechanism ${mechanism}`);
  }

  async #login(user: string, password: string): Promise<void> {
    const result = await authenticate(this.#ctx.store, this.#ctx.throttle, this.#remote, user, password);
    if (this.#closed) return;
    if (!result.ok) {
      serverMetrics(this.#ctx.metrics).authFailures.inc({ protocol: 'managesieve' });
      if (result.reason === 'throttled') return this.#no('Too many failed logins, try again later', 'TRYLATER', true);
      return this.#no('Authentication failed', undefined, true);
    }
    this.#account = { id: result.accountId, address: result.address };
    this.#bad = 0;
    this.#arm();
    this.#log.info({ account: result.address }, 'managesieve login');
    this.#ok();
  }

  async #startTls(): Promise<void> {
    const raw = this.#socket;
    this.#write(response('OK', 'Begin TLS negotiation now'));
    this.#detach();
    // RFC 5804 §2.2 (and CVE-2011-0411): anything pipelined after STARTTLS came in the clear.
    this.#reader.discard();
    const secure = new tls.TLSSocket(raw as Socket, { isServer: true, secureContext: this.#ctx.tls.secureContext() });
    this.#socket = secure;
    this.#tls = true;
    this.#detach = this.#attach(secure);
    const timer = setTimeout(() => secure.destroy(), TLS_HANDSHAKE_TIMEOUT_MS);
    const ok = await new Promise<boolean>((resolve) => {
      secure.once('secure', () => resolve(true));
      secure.once('close', () => resolve(false));
      secure.once('error', () => resolve(false));
    });
    clearTimeout(timer);
    // RFC 5804 §2.2: after TLS the server re-issues its capabilities, then OK.
    if (ok) this.#write(this.#capabilities() + response('OK', 'TLS active'));
  }

  #ok(body = ''): void {
    this.#bad = 0;
    this.#write(body + response('OK'));
  }

  #refuse(refusal: ScriptRefusal): void {
    this.#write(response('NO', refusal.message, REFUSAL_CODES[refusal.kind]));
  }

  /** A NO; `counts` for unknown commands and failed logins, which close a connection that repeats them. */
  #no(text: string, code?: string, counts = false): void {
    this.#write(response('NO', text, code));
    if (counts && ++this.#bad >= MANAGESIEVE_MAX_BAD_COMMANDS) {
      this.#write(response('BYE', 'Too many errors'));
      this.#close();
    }
  }

  #write(text: string): void {
    if (this.#closed) return;
    this.#socket.write(text);
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.end();
    setTimeout(() => this.#socket.destroy(), 1000).unref();
  }

  #finish(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#detach();
    this.#onClosed();
  }
}

