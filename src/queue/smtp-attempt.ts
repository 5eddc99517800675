// One outbound SMTP connection to one MX address, carrying every queued message for that host
// (RFC 5321 §4.5.4.1 prefers one connection over many). Always true: each recipient of each message
// handed in comes back with exactly one outcome, or is listed as not attempted; a reply decides
// delivered (2xx), temporary (4xx) or permanent (5xx); anything else (connection refused, timeout,
// a drop mid-DATA, a protocol error) is temporary. STARTTLS is used whenever offered; a failed
// handshake falls back to plaintext only when no policy requires TLS. A smarthost route names its
// TLS (STARTTLS or implicit, certificate verified, or none on loopback) and AUTH runs only once
// that TLS is up; refused credentials fail the connection with a reply that says so.
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import {
  SMTP_CLIENT_CONNECT_TIMEOUT_MS, SMTP_CLIENT_GREETING_TIMEOUT_MS, SMTP_CLIENT_SOCKET_TIMEOUT_MS,
} from '../limits.ts';

export interface OutboundMessage {
  /** The caller's key for this message (grouping its recipients). */
  key: string;
  from: string;
  recipients: string[];
  /** The bytes to send (prefix + raw), loaded only when the connection is ready for them. */
  load(): Promise<Buffer>;
}

export type OutcomeKind = 'delivered' | 'temporary' | 'permanent';
export interface RecipientOutcome { recipient: string; kind: OutcomeKind; reply: string }

export interface HostAttempt {
  /** MX host name: SNI and the certificate name checked when TLS is required. */
  hostname: string;
  address: string;
  port: number;
  /** Our name for EHLO. */
  helo: string;
  /** MTA-STS enforce: STARTTLS with a certificate valid for `hostname`, or no delivery. */
  requireTls: boolean;
  /** Extra trust anchors (tests), or a route's CA file. */
  ca?: string | Buffer;
  /**
   * opportunistic (MX delivery, the default): STARTTLS when offered. A route's: starttls (required
   * and verified against `hostname`), implicit (TLS from the first byte), none (plaintext).
   */
  tlsMode?: 'opportunistic' | 'starttls' | 'implicit' | 'none';
  /** SMTP AUTH (RFC 4954) after TLS; never attempted on a plaintext connection. */
  auth?: { user: string; pass: string };
  connectTimeoutMs?: number;
  greetingTimeoutMs?: number;
  socketTimeoutMs?: number;
  /**
   * Called with each message's outcomes as soon as the remote has answered it, before the next
   * message is sent, so the caller can record them at once (a crash then repeats at most one).
   */
  onOutcome?: (key: string, outcomes: RecipientOutcome[]) => void;
}

export interface HostResult {
  /** False when no message could be offered (connect, greeting, TLS or EHLO failed): try the next MX. */
  connected: boolean;
  /** Why the connection failed or ended early. */
  error?: string;
  /** The host answered the greeting with 5xx (RFC 5321 §3.1: it offers no service). */
  refusedService?: boolean;
  /** The relay refused our AUTH credentials: our configuration's fault, so temporary for every message. */
  authFailed?: boolean;
  tls: boolean;
  outcomes: Map<string, RecipientOutcome[]>;
  /** Keys of messages never offered because the connection ended first. */
  notAttempted: string[];
}

interface SmtpError extends Error {
  code?: string;
  originalCode?: string;
  responseCode?: number;
  response?: string;
  command?: string;
  recipient?: string;
  rejectedErrors?: SmtpError[];
}

function kindOf(code: number | undefined): OutcomeKind {
  if (code && code >= 200 && code < 300) return 'delivered';
  if (code && code >= 500 && code < 600) return 'permanent';
  return 'temporary';
}

function describe(err: SmtpError): string {
  return err.response ?? `${err.code ?? 'ERROR'}: ${err.message}`;
}

// connect()'s callback only reports success; failures arrive as 'error' (or a bare 'end').
function connect(conn: SMTPConnection): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: SmtpError) => { cleanup(); reject(err); };
    const onEnd = () => { cleanup(); reject(Object.assign(new Error('connection closed'), { code: 'ECONNECTION' })); };
    const cleanup = () => { conn.off('error', onError); conn.off('end', onEnd); };
    conn.once('error', onError);
    conn.once('end', onEnd);
    conn.connect((err) => {
      cleanup();
      if (err) reject(err); else resolve();
    });
  });
}

/** Whether this attempt needs a verified TLS session (MTA-STS enforce, or a route that names TLS). */
function verifiedTls(attempt: HostAttempt): boolean {
  return attempt.requireTls || attempt.tlsMode === 'starttls' || attempt.tlsMode === 'implicit';
}

function open(attempt: HostAttempt, ignoreTLS: boolean): { conn: SMTPConnection; errors: SmtpError[] } {
  const verified = verifiedTls(attempt);
  const conn = new SMTPConnection({
    host: attempt.address,
    port: attempt.port,
    name: attempt.helo,
    servername: attempt.hostname,
    secure: attempt.tlsMode === 'implicit',
    requireTLS: verified && attempt.tlsMode !== 'implicit',
    ignoreTLS: attempt.tlsMode === 'none' || (!verified && ignoreTLS),
    connectionTimeout: attempt.connectTimeoutMs ?? SMTP_CLIENT_CONNECT_TIMEOUT_MS,
    greetingTimeout: attempt.greetingTimeoutMs ?? SMTP_CLIENT_GREETING_TIMEOUT_MS,
    socketTimeout: attempt.socketTimeoutMs ?? SMTP_CLIENT_SOCKET_TIMEOUT_MS,
    // RFC 7435: opportunistic TLS does not authenticate the peer; MTA-STS (RFC 8461 §4.2) does.
    tls: { rejectUnauthorized: verified, ca: attempt.ca, servername: attempt.hostname },
    logger: false,
  });
  const errors: SmtpError[] = [];
  // Errors also reach the pending callback; the listener only keeps them from being unhandled.
  conn.on('error', (err: SmtpError) => errors.push(err));
  return { conn, errors };
}

// nodemailer reports a broken handshake as ETLS or as a socket error carrying OpenSSL's code.
function isTlsFailure(err: SmtpError): boolean {
  return err.code === 'ETLS' || /^ERR_(SSL|TLS)_/.test(err.originalCode ?? '');
}

function isConnectionLost(err: SmtpError): boolean {
  return err.code === 'ECONNECTION' || err.code === 'ETIMEDOUT' || err.code === 'ESOCKET' || err.code === 'EPROTOCOL' || err.code === 'ETLS';
}

/** Delivers `messages` over one connection to `attempt.address`. Never throws. */
export async function deliverToHost(attempt: HostAttempt, messages: OutboundMessage[]): Promise<HostResult> {
  const outcomes = new Map<string, RecipientOutcome[]>();
  let { conn } = open(attempt, false);
  try {
    await connect(conn);
  } catch (e) {
    const err = e as SmtpError;
    conn.close();
    if (isTlsFailure(err) && !verifiedTls(attempt)) {
      // The peer advertised STARTTLS but the handshake failed: deliver in plaintext rather than
      // not at all, as an opportunistic client must (RFC 7435 §3).
      ({ conn } = open(attempt, true));
      try {
        await connect(conn);
      } catch (e2) {
        conn.close();
        return failedConnection(e2 as SmtpError, messages);
      }
    } else {
      return failedConnection(err, messages);
    }
  }
  const tls = conn.secure;
  if (verifiedTls(attempt) && !tls) {
    conn.close();
    const why = attempt.requireTls ? 'TLS required by MTA-STS but not established' : 'TLS required by the route but not established';
    return { connected: false, error: why, tls, outcomes, notAttempted: messages.map((m) => m.key) };
  }
  if (attempt.auth) {
    // RFC 4954 §4: credentials only inside TLS; a route without TLS never carries AUTH.
    if (!tls) {
      conn.close();
      return { connected: false, error: 'AUTH is configured but the connection is not encrypted; not sending the password', authFailed: true, tls, outcomes, notAttempted: messages.map((m) => m.key) };
    }
    const refused = await new Promise<SmtpError | null>((resolve) => conn.login({ user: attempt.auth!.user, pass: attempt.auth!.pass }, (err) => resolve((err as SmtpError | null) ?? null)));
    if (refused) {
      conn.close();
      const reply = refused.response ?? refused.message;
      return {
        connected: false, authFailed: true, tls, outcomes, notAttempted: messages.map((m) => m.key),
        error: `authentication as "${attempt.auth.user}" refused: ${reply} (check auth_user and auth_password_file of the route)`,
      };
    }
  }

  for (const [index, message] of messages.entries()) {
    let body: Buffer;
    try {
      body = await message.load();
    } catch (e) {
      const failed = message.recipients.map((recipient) => ({ recipient, kind: 'temporary' as const, reply: `local error reading the message: ${(e as Error).message}` }));
      outcomes.set(message.key, failed);
      attempt.onOutcome?.(message.key, failed);
      continue;
    }
    const result = await sendOne(conn, message, body);
    outcomes.set(message.key, result.outcomes);
    attempt.onOutcome?.(message.key, result.outcomes);
    if (result.lost) {
      conn.close();
      return { connected: true, error: result.lost, tls, outcomes, notAttempted: messages.slice(index + 1).map((m) => m.key) };
    }
  }
  conn.quit();
  return { connected: true, tls, outcomes, notAttempted: [] };
}

function failedConnection(err: SmtpError, messages: OutboundMessage[]): HostResult {
  return {
    connected: false,
    error: describe(err),
    refusedService: err.command === 'CONN' && (err.responseCode ?? 0) >= 500,
    tls: false,
    outcomes: new Map(),
    notAttempted: messages.map((m) => m.key),
  };
}

async function sendOne(conn: SMTPConnection, message: OutboundMessage, body: Buffer): Promise<{ outcomes: RecipientOutcome[]; lost?: string }> {
  const eightBit = body.some((b) => b > 0x7f);
  const envelope = { from: message.from === '' ? false as const : message.from, to: message.recipients, size: body.length, use8BitMime: eightBit };
  const rcptErrors = (): SmtpError[] => (conn as unknown as { _envelope?: { rejectedErrors?: SmtpError[] } })._envelope?.rejectedErrors ?? [];
  const perRecipient = (fallback: (r: string) => RecipientOutcome, rejected: SmtpError[]): RecipientOutcome[] =>
    message.recipients.map((recipient) => {
      const e = rejected.find((x) => x.recipient === recipient);
      return e ? { recipient, kind: kindOf(e.responseCode), reply: describe(e) } : fallback(recipient);
    });

  try {
    const info = await new Promise<{ response: string; rejectedErrors?: SmtpError[] }>((resolve, reject) =>
      conn.send(envelope, body, (err, res) => (err ? reject(err) : resolve(res as { response: string; rejectedErrors?: SmtpError[] }))));
    return { outcomes: perRecipient((recipient) => ({ recipient, kind: 'delivered', reply: info.response }), info.rejectedErrors ?? []) };
  } catch (e) {
    const err = e as SmtpError;
    // RCPT-stage rejections stay with their recipients; everyone else gets this error's verdict.
    const rejected = err.rejectedErrors ?? rcptErrors();
    const verdict = (recipient: string): RecipientOutcome => ({ recipient, kind: isConnectionLost(err) ? 'temporary' : kindOf(err.responseCode), reply: describe(err) });
    const outcomes = perRecipient(verdict, rejected);
    if (isConnectionLost(err)) return { outcomes, lost: describe(err) };
    // The transaction failed but the session lives: RFC 5321 §4.1.1.5 RSET before the next one.
    const reset = await new Promise<boolean>((resolve) => conn.reset((resetErr) => resolve(!resetErr)));
    return reset ? { outcomes } : { outcomes, lost: 'RSET failed' };
  }
}
