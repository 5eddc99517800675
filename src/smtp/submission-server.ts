// Submission listeners (RFC 6409): `[listen] submission` (587, STARTTLS) and `[listen] submissions`
// (465, implicit TLS, RFC 8314), on smtp-server, as adapters from its hooks to the transaction
// (submission-transaction.ts), which decides. This file owns what belongs to the session: AUTH
// offered and accepted only over TLS (or plaintext from loopback when `[submission]
// allow_plaintext_loopback`), the login itself, the DKIM key cache and signing pool; its sessions
// (submissionSessions) stand apart from the TCP listener, so test/session drives them over a socket
// pair. Always true:
// MAIL needs an authenticated user; a 250 at end of DATA follows finishSubmission, which resolves
// only after local copies and queue rows are committed together; one transaction per session is
// open at a time, begun by an accepted MAIL.
import net from 'node:net';
import type { SMTPServerAuthentication, SMTPServerSession, SMTPServerAddress, SMTPServerDataStream } from 'smtp-server';
import type { ListenAddress } from '../config/types.ts';
import type { RunningListener, ServerContext } from '../server-context.ts';
import { listenOn } from '../net/listen.ts';
import { ConnectionLimiter } from '../net/connection-limiter.ts';
import { connectionGate, type Client } from '../net/connection-gate.ts';
import { acceptTls } from '../net/implicit-tls.ts';
import { parseProxyTrust } from '../config/proxy-trust.ts';
import { isLoopback } from '../net/client-address.ts';
import { TLS_HANDSHAKE_TIMEOUT_MS } from '../limits.ts';
import { SmtpEngine } from './engine.ts';
import { STARTTLS_FIRST, submissionReplies } from './enhanced-replies.ts';
import { authenticate } from '../login/authenticate.ts';
import { authzidPermitted } from '../login/sasl.ts';
import { SignPool } from '../email-auth/sign-pool.ts';
import { smtpFailure } from './our-failure.ts';
import { armAuthDeadline, watchDataRate } from './session-deadlines.ts';
import { serverMetrics, spamMetrics } from '../metrics/catalogue.ts';
import { outboundServicesOf } from '../delivery/forward.ts';
import type { DkimKey } from '../store/domains.ts';
import type { SmtpReply } from './submission-policy.ts';
import {
  acceptRecipient, beginSubmission, finishSubmission, type SubmissionClient, type SubmissionDeps, type SubmissionTransaction, type SubmissionUser,
} from './submission-transaction.ts';

// One signing pool for both listeners of the process, started with the first of them.
let signPool: SignPool | null = null;
let listenersUsingPool = 0;

/** DKIM keys change only with `postern domain` commands; a minute's staleness is fine. */
const DKIM_KEY_CACHE_MS = 60_000;

function replyError(r: SmtpReply): Error {
  return Object.assign(new Error(r.message), { responseCode: r.code });
}

const AUTH_REQUIRED: SmtpReply = { code: 530, message: '5.7.0 Authentication required' };
const TLS_REQUIRED: SmtpReply = { code: STARTTLS_FIRST.code, message: STARTTLS_FIRST.text };
const BAD_CREDENTIALS: SmtpReply = { code: 535, message: '5.7.8 Authentication credentials invalid' };
// RFC 4954 §6: 535 5.7.8 also covers "not authorized to act as the authorization identity".
const AUTHZID_REFUSED: SmtpReply = { code: 535, message: '5.7.8 Authorization identity must be empty or your own' };
const THROTTLED: SmtpReply = { code: 454, message: '4.7.0 Too many failed logins, try again later' };

export function startSubmission(ctx: ServerContext, address: ListenAddress): Promise<RunningListener> {
  return startSubmissionListener(ctx, address, false, 'submission');
}

export function startSubmissions(ctx: ServerContext, address: ListenAddress): Promise<RunningListener> {
  return startSubmissionListener(ctx, address, true, 'submissions');
}

export interface SubmissionSessions {
  /** Runs one session on an admitted socket (on 465 already through its TLS handshake) for `client`. */
  serve(socket: net.Socket, client: Client): void;
  /** Stops the sessions and, once `drained` resolves (the listener's connections have ended) and
   *  these were the process's last, the signing pool. */
  close(drained?: Promise<void>): Promise<void>;
}

/** The sessions of one submission listener (`name`: submission or submissions), apart from its TCP listener. */
export function submissionSessions(ctx: ServerContext, implicitTls: boolean, name: string): SubmissionSessions {
  const { config, store, log } = ctx;
  const plaintextAllowed = (ip: string) => config.submission.allow_plaintext_loopback && isLoopback(ip);
  /** The open transaction of each session (by id), begun by an accepted MAIL (RSET and EHLO then need a new MAIL). */
  const transactions = new Map<string, SubmissionTransaction>();
  /** Per session (by id): whether its user owns each sender address asked about (submission-transaction.ts). */
  const owned = new Map<string, Map<string, boolean>>();
  const keyCache = new Map<string, { keys: DkimKey[]; at: number }>();
  const dkimKeys = async (domain: string): Promise<DkimKey[]> => {
    const now = ctx.clock.now();
    const hit = keyCache.get(domain);
    if (hit && now - hit.at < DKIM_KEY_CACHE_MS) return hit.keys;
    const keys = await store.domains.dkimKeys(domain);
    keyCache.set(domain, { keys, at: now });
    return keys;
  };
  signPool ??= new SignPool();
  listenersUsingPool++;
  // Both listeners (587 and 465) report as protocol `submission`, as pop3 and pop3s report as `pop3`.
  const metrics = serverMetrics(ctx.metrics);
  const deps: SubmissionDeps = {
    config, store, clock: ctx.clock, log, metrics, spamMetrics: spamMetrics(ctx.metrics), outbound: outboundServicesOf(ctx),
    sign: async (message, domain, now) => signPool!.sign(message, domain, await dkimKeys(domain), now),
  };
  /** The logged-in session as the transaction sees it. */
  const clientOf = (session: SMTPServerSession, user: SubmissionUser): SubmissionClient => {
    let cache = owned.get(session.id);
    if (!cache) owned.set(session.id, (cache = new Map()));
    return {
      sessionId: session.id, remoteIp: session.remoteAddress, helo: session.hostNameAppearsAs ?? '', secure: session.secure,
      tlsProtocol: session.tlsOptions ? session.tlsOptions.version : undefined, user, owned: cache,
    };
  };

  const engine = new SmtpEngine({
    ...ctx.tls.serverOptions(),
    secure: implicitTls,
    name: config.hostname,
    banner: 'Postern submission',
    authMethods: ['PLAIN', 'LOGIN'],
    authRequiredMessage: AUTH_REQUIRED.message,
    // AUTH needs TLS except from loopback when configured: decided per session in onConnect.
    allowInsecureAuth: true,
    size: config.limits.message_size,
    disableReverseLookup: true,
    socketTimeout: config.limits.idle_timeout_s * 1000,
    maxClients: config.limits.connections_total,
    hideDSN: true,
    hideENHANCEDSTATUSCODES: false,
    logger: false,

    onConnect(session, callback) {
      metrics.connections.inc({ protocol: 'submission' });
      // RFC 3207 §4 and RFC 4954 §4: no AUTH offered or accepted before TLS (the policy in
      // enhanced-replies.ts answers it with 530 5.7.0); onSecure gives it back after STARTTLS.
      if (!session.secure && !plaintextAllowed(session.remoteAddress)) session.disabledCommands = ['AUTH'];
      callback();
    },

    onSecure(_socket, session, callback) {
      session.disabledCommands = undefined;
      callback();
    },

    onAuth(auth: SMTPServerAuthentication, session, callback) {
      const ip = session.remoteAddress;
      if (!session.secure && !plaintextAllowed(ip)) return callback(replyError(TLS_REQUIRED));
      // smtp-server falls back to the authzid when a client leaves the authcid empty; only two
      // different non-empty identities are an attempt to act as someone else (RFC 4616 §2).
      if (auth.method === 'PLAIN' && auth.authcid && !authzidPermitted(auth.authzid ?? '', auth.authcid)) {
        metrics.authFailures.inc({ protocol: 'submission' });
        return callback(replyError(AUTHZID_REFUSED));
      }
      authenticate(store, ctx.throttle, ip, auth.username ?? '', auth.password ?? '').then((result) => {
        if (result.ok) return callback(null, { user: { accountId: result.accountId, address: result.address } satisfies SubmissionUser });
        metrics.authFailures.inc({ protocol: 'submission' });
        callback(replyError(result.reason === 'throttled' ? THROTTLED : BAD_CREDENTIALS));
      }, (err: unknown) => callback(smtpFailure(err, log, { listener: name, session: session.id, stage: 'AUTH' })));
    },

    onMailFrom(from: SMTPServerAddress, session, callback) {
      const user = session.user as SubmissionUser | undefined;
      if (!user) return callback(replyError(AUTH_REQUIRED));
      if (!session.secure && !plaintextAllowed(session.remoteAddress)) return callback(replyError(TLS_REQUIRED));
      transactions.delete(session.id);
      beginSubmission(deps, clientOf(session, user), from.address).then((tx) => {
        transactions.set(session.id, tx);
        callback();
      }, (err: unknown) => callback(smtpFailure(err, log, { listener: name, session: session.id, stage: 'MAIL' })));
    },

    onRcptTo(to: SMTPServerAddress, session, callback) {
      const tx = transactions.get(session.id);
      if (!tx) return callback(smtpFailure(new Error('RCPT without a transaction'), log, { listener: name, session: session.id, stage: 'RCPT' }));
      acceptRecipient(deps, tx, to.address).then(() => callback(),
        (err: unknown) => callback(smtpFailure(err, log, { listener: name, session: session.id, stage: 'RCPT' })));
    },

    onData(stream: SMTPServerDataStream, session, callback) {
      const conn = engine.session(session.id);
      const stopWatch = conn
        ? watchDataRate(conn, () => stream.byteLength ?? 0, config.limits.smtp_data_min_rate, config.limits.smtp_data_grace_s * 1000)
        : () => {};
      stream.once('end', stopWatch);
      stream.once('close', stopWatch);
      const tx = transactions.get(session.id);
      transactions.delete(session.id);
      const chunks: Buffer[] = [];
      // Past the limit nothing more is kept (as on port 25); smtp-server keeps counting so we can refuse it.
      stream.on('data', (c: Buffer) => { if (!stream.sizeExceeded) chunks.push(c); });
      stream.on('end', () => {
        const message = { raw: Buffer.concat(chunks), sizeExceeded: stream.sizeExceeded, endedAt: ctx.clock.now() };
        (tx ? finishSubmission(deps, tx, message) : Promise.reject(new Error('DATA without a transaction'))).then((text) => callback(null, text),
          (err: unknown) => callback(smtpFailure(err, log, { listener: name, session: session.id, stage: 'DATA' })));
      });
    },

    onClose(session) {
      transactions.delete(session.id);
      owned.delete(session.id);
    },
  }, { greetAtOnce: false, replies: submissionReplies });

  engine.onError((err) => log.warn({ err, listener: name }, 'submission connection error'));
  return {
    serve(socket, client) {
      const id = engine.serve(socket, client);
      const session = id && engine.session(id);
      if (session) armAuthDeadline(session, socket, config.limits.smtp_auth_deadline_s * 1000);
    },
    async close(drained) {
      engine.close();
      await drained;
      if (--listenersUsingPool === 0 && signPool) {
        const pool = signPool;
        signPool = null;
        await pool.close();
      }
    },
  };
}

async function startSubmissionListener(ctx: ServerContext, address: ListenAddress, implicitTls: boolean, name: string): Promise<RunningListener> {
  const { config, log } = ctx;
  const metrics = serverMetrics(ctx.metrics);
  const sessions = submissionSessions(ctx, implicitTls, name);
  const serve = (socket: net.Socket, client: Client) => sessions.serve(socket, client);
  // Counted at accept, before any byte of SMTP and before 465's TLS handshake, under the client a
  // trusted PROXY header names; a refused 465 connection is closed without a word (it expects TLS).
  const server = net.createServer(connectionGate({
    limiter: new ConnectionLimiter({ maxPerIp: config.limits.connections_per_ip, maxTotal: config.limits.connections_total, ipv6Prefix: config.limits.ipv6_prefix }),
    trust: parseProxyTrust(config.listen.proxy_protocol_from),
    refusal: (reason) => implicitTls ? null : `421 4.7.0 Too many connections${reason === 'per-ip' ? ' from your address' : ''}, try again later\r\n`,
    refused: (reason) => metrics.connectionsRefused.inc({ protocol: 'submission', reason }),
    proxyFailed: (reason, peer, detail) => {
      metrics.proxyHeadersRefused.inc({ protocol: 'submission', reason });
      log.info({ listener: name, peer, reason, detail }, 'connection closed: bad PROXY header');
    },
    admitted: (socket, client) => {
      if (!implicitTls) return serve(socket, client);
      acceptTls(socket, ctx.tls.secureContext(), TLS_HANDSHAKE_TIMEOUT_MS, (secure) => serve(secure, client),
        (err) => log.debug({ err, listener: name, ip: client.address }, 'submissions handshake failed'));
    },
  }));
  server.on('error', (err) => log.error({ err, listener: name }, 'submission listener error'));
  const bound = await listenOn(server, address, name);
  return {
    name, host: bound.host, port: bound.port,
    accepting: () => server.listening,
    close: async () => {
      await sessions.close(new Promise<void>((resolve) => server.close(() => resolve())));
    },
  };
}
