// Submission listeners (RFC 6409): `[listen] submission` (587, STARTTLS) and `[listen] submissions`
// (465, implicit TLS, RFC 8314), on smtp-server. Always true: AUTH is offered and accepted only
// over TLS (or plaintext from loopback when `[submission] allow_plaintext_loopback`); MAIL needs
// an authenticated user who owns the sender; a message is normalized to CRLF, fixed up, DKIM-signed
// and then delivered locally and queued remotely in one transaction, and 250 follows that commit.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type { SMTPServerAuthentication, SMTPServerSession, SMTPServerAddress } from 'smtp-server';
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
import { BAD_RECIPIENT_SYNTAX, MAILBOX_FULL, messageTooBig, replyError as catalogueError, UNKNOWN_USER } from './reply-catalogue.ts';
import { STARTTLS_FIRST, submissionReplies } from './enhanced-replies.ts';
import { authenticate } from '../login/authenticate.ts';
import { authzidPermitted } from '../login/sasl.ts';
import { resolveRecipient } from '../delivery/recipients.ts';
import { deliver, OverQuotaError } from '../delivery/deliver.ts';
import { normalizeAddress, domainOf } from '../store/addresses.ts';
import { SignPool } from '../email-auth/sign-pool.ts';
import { smtpFailure } from './our-failure.ts';
import { ownsSender } from './sender-ownership.ts';
import { armAuthDeadline, watchDataRate } from './session-deadlines.ts';
import { serverMetrics, spamMetrics } from '../metrics/catalogue.ts';
import { countSendWithin, sendsInLastHour, uncountSend } from '../delivery/send-rate.ts';
import { outboundServicesOf } from '../delivery/forward.ts';
import type { DkimKey } from '../store/domains.ts';
import {
  checkEnvelopeSender, checkFromHeader, checkHourlyRate, checkRecipientCount, fixupSubmittedMessage,
  fromMailboxes, normalizeLineEndings, RATE_LIMITED, type SmtpReply,
} from './submission-policy.ts';

interface SubmissionUser { accountId: number; address: string }
interface SessionState { local: Map<string, number[]>; remote: string[] }

// One signing pool for both listeners of the process, started with the first of them.
let signPool: SignPool | null = null;
let listenersUsingPool = 0;

/** DKIM keys change only with `postern domain` commands; a minute's staleness is fine. */
const DKIM_KEY_CACHE_MS = 60_000;

/** The first RCPT that reached each account, for Sieve's envelope "to". */
function rcptOfAccounts(local: Map<string, number[]>): Map<number, string> {
  const out = new Map<number, string>();
  for (const [address, ids] of local) for (const id of ids) if (!out.has(id)) out.set(id, address);
  return out;
}

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

async function startSubmissionListener(ctx: ServerContext, address: ListenAddress, implicitTls: boolean, name: string): Promise<RunningListener> {
  const { config, store, log } = ctx;
  const plaintextAllowed = (ip: string) => config.submission.allow_plaintext_loopback && isLoopback(ip);
  const states = new WeakMap<SMTPServerSession, SessionState>();
  const stateOf = (session: SMTPServerSession) => {
    let s = states.get(session);
    if (!s) { s = { local: new Map(), remote: [] }; states.set(session, s); }
    return s;
  };
  const keyCache = new Map<string, { keys: DkimKey[]; at: number }>();
  const dkimKeys = async (domain: string): Promise<DkimKey[]> => {
    const now = ctx.clock.now();
    const hit = keyCache.get(domain);
    if (hit && now - hit.at < DKIM_KEY_CACHE_MS) return hit.keys;
    const keys = await store.domains.dkimKeys(domain);
    keyCache.set(domain, { keys, at: now });
    return keys;
  };
  // Whether the user owns each sender address, per session: MAIL FROM and From: usually name the same one.
  const owned = new WeakMap<SMTPServerSession, Map<string, boolean>>();
  const sessionOwns = async (session: SMTPServerSession, user: SubmissionUser, addr: string): Promise<boolean> => {
    let cache = owned.get(session);
    if (!cache) { cache = new Map(); owned.set(session, cache); }
    const key = `${user.accountId} ${addr.toLowerCase()}`;
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const answer = addr !== '' && await ownsSender(store, user.address, addr);
    cache.set(key, answer);
    return answer;
  };
  signPool ??= new SignPool();
  listenersUsingPool++;
  // Both listeners (587 and 465) report as protocol `submission`, as pop3 and pop3s report as `pop3`.
  const metrics = serverMetrics(ctx.metrics);
  const spamCounters = spamMetrics(ctx.metrics);

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
      states.delete(session);
      sendsInLastHour(store, user.accountId).then(async (sent) => {
        const rate = checkHourlyRate(sent, config.submission.messages_per_hour);
        return rate ?? checkEnvelopeSender(from.address, await sessionOwns(session, user, from.address));
      }).then((refusal) => callback(refusal ? replyError(refusal) : undefined),
        (err: unknown) => callback(smtpFailure(err, log, { listener: name, session: session.id, stage: 'MAIL' })));
    },

    onRcptTo(to: SMTPServerAddress, session, callback) {
      const state = stateOf(session);
      const count = state.remote.length + state.local.size + 1;
      const limit = checkRecipientCount(count, Math.min(config.submission.recipients_per_message, config.limits.recipients));
      if (limit) return callback(replyError(limit));
      const address = normalizeAddress(to.address);
      if (!address) return callback(catalogueError(BAD_RECIPIENT_SYNTAX));
      resolveRecipient(store, address).then((r) => {
        if (r.kind === 'local') {
          state.local.set(address, r.accountIds);
          // An alias of ours that points outside: submitted mail goes there like any remote recipient.
          for (const f of r.forwards) if (!state.remote.some((a) => a.toLowerCase() === f)) state.remote.push(f);
          return callback();
        }
        // The same address twice is one recipient (one queue row, one copy delivered).
        if (r.kind === 'not-local') { if (!state.remote.some((a) => a.toLowerCase() === to.address.toLowerCase())) state.remote.push(to.address); return callback(); }
        callback(catalogueError(r.kind === 'unknown-user' ? UNKNOWN_USER : BAD_RECIPIENT_SYNTAX));
      }, (err: unknown) => callback(smtpFailure(err, log, { listener: name, session: session.id, stage: 'RCPT' })));
    },

    onData(stream, session, callback) {
      const conn = engine.session(session.id);
      const stopWatch = conn
        ? watchDataRate(conn, () => stream.byteLength ?? 0, config.limits.smtp_data_min_rate, config.limits.smtp_data_grace_s * 1000)
        : () => {};
      stream.once('end', stopWatch);
      stream.once('close', stopWatch);
      const chunks: Buffer[] = [];
      // Past the limit nothing more is kept (as on port 25); smtp-server keeps counting so we can refuse it.
      stream.on('data', (c: Buffer) => { if (!stream.sizeExceeded) chunks.push(c); });
      stream.on('end', () => {
        const endedAt = ctx.clock.now();
        if (stream.sizeExceeded) {
          metrics.messagesRefused.inc({ source: 'submission', reason: 'too-big' });
          return callback(catalogueError(messageTooBig(config.limits.message_size)));
        }
        accept(Buffer.concat(chunks), session).then((reply) => {
          if (reply.code >= 400) return callback(replyError(reply));
          metrics.messagesReceived.inc({ source: 'submission' });
          // Clamped: a wall clock stepped back mid-transaction must not record a negative latency.
          metrics.deliveryLatency.observe(Math.max(0, ctx.clock.now() - endedAt) / 1000, { source: 'submission' });
          callback(null, reply.message);
        }, (err) => {
          if (err instanceof OverQuotaError) {
            metrics.messagesRefused.inc({ source: 'submission', reason: 'over-quota' });
            return callback(catalogueError(MAILBOX_FULL));
          }
          callback(smtpFailure(err, log, { listener: name, session: session.id, stage: 'DATA' }));
        });
      });
    },
  }, { greetAtOnce: false, replies: submissionReplies });

  async function accept(data: Buffer, session: SMTPServerSession): Promise<SmtpReply> {
    const user = session.user as SubmissionUser;
    const state = stateOf(session);
    const normalized = normalizeLineEndings(data);
    if ('reply' in normalized) return normalized.reply;
    const from = fromMailboxes(normalized.message);
    const named = [...new Set(from.mailboxes.flatMap((m) => [m.address, ...m.nameAddresses]))];
    const owns = new Map(await Promise.all(named.map(async (a) => [a, await sessionOwns(session, user, a)] as const)));
    const refusal = checkFromHeader(from, (a) => owns.get(a) === true);
    if (refusal) return refusal;
    // [spam] outbound caps: a stolen password must not send a day's spam in minutes. Counted before
    // signing; the recipients also become "replied to" senders the inbound filter trusts.
    const cap = await store.spam.countOutbound(user.accountId, [...state.local.keys(), ...state.remote], {
      messagesPerDay: config.spam.outbound_messages_per_day, newRecipientsPerDay: config.spam.outbound_new_recipients_per_day,
    });
    if (!cap.ok) {
      spamCounters.outboundCapped.inc({ cap: cap.cap });
      log.warn({ user: user.address, cap: cap.cap, limit: cap.limit }, 'submission refused by the daily outbound cap');
      return { code: 451, message: cap.cap === 'messages'
        ? `4.7.1 Daily limit of ${cap.limit} messages reached, try again tomorrow`
        : `4.7.1 Daily limit of ${cap.limit} new recipients reached, try again tomorrow` };
    }

    // The hourly limit, exactly: MAIL only refuses early; here the message is counted in one
    // check-and-add in the store before it is stored, so sessions that passed MAIL together (on
    // any node) cannot all send past the limit; the count is given back if storing fails.
    if (!(await countSendWithin(store, user.accountId, config.submission.messages_per_hour))) return RATE_LIMITED;
    try {
      return await signAndStore(session, user, state, normalized.message, from.mailboxes[0]!.address);
    } catch (err) {
      await uncountSend(store, user.accountId).catch(() => {});
      throw err;
    }
  }

  async function signAndStore(session: SMTPServerSession, user: SubmissionUser, state: ReturnType<typeof stateOf>, submitted: Buffer, fromAddress: string): Promise<SmtpReply> {
    const now = ctx.clock.now();
    const queueId = randomBytes(8).toString('hex');
    const { message, received } = fixupSubmittedMessage(submitted, {
      now, hostname: config.hostname, clientIp: session.remoteAddress, clientHelo: session.hostNameAppearsAs ?? '',
      hideClientIp: config.submission.hide_client_ip, protocol: session.secure ? 'ESMTPSA' : 'ESMTPA',
      tlsProtocol: session.tlsOptions ? session.tlsOptions.version : undefined, queueId,
    });
    // DMARC aligns on the From: domain, so that is the domain whose keys sign.
    const signingDomain = domainOf(fromAddress);
    const keys = await dkimKeys(signingDomain);
    const signatures = await signPool!.sign(message, signingDomain, keys, now);
    const prefix = signatures + received;

    const accountIds = [...new Set([...state.local.values()].flat())];
    const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
    await deliver(store, {
      raw: message, prefix, recipients: accountIds.map((accountId) => ({ accountId })), internalDate: now,
      filter: { envelopeFrom, rcptOf: rcptOfAccounts(state.local), remoteIp: session.remoteAddress, services: outboundServicesOf(ctx) },
      ...(state.remote.length > 0 ? { queue: { sender: envelopeFrom, accountId: user.accountId, recipients: state.remote, expiresAt: now + config.queue.lifetime_s * 1000 } } : {}),
    });
    log.info({ queueId, user: user.address, local: accountIds.length, remote: state.remote.length, size: message.length }, 'message submitted');
    return { code: 250, message: `2.0.0 Ok: queued as ${queueId}` };
  }

  const serve = (socket: net.Socket, client: Client) => {
    const id = engine.serve(socket, client);
    const session = id && engine.session(id);
    if (session) armAuthDeadline(session, socket, config.limits.smtp_auth_deadline_s * 1000);
  };
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
  engine.onError((err) => log.warn({ err, listener: name }, 'submission connection error'));
  server.on('error', (err) => log.error({ err, listener: name }, 'submission listener error'));
  const bound = await listenOn(server, address, name);
  return {
    name, host: bound.host, port: bound.port,
    accepting: () => server.listening,
    close: async () => {
      engine.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (--listenersUsingPool === 0 && signPool) {
        const pool = signPool;
        signPool = null;
        await pool.close();
      }
    },
  };
}
