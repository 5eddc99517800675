// The port 25 listener: mail from the internet for our domains. smtp-server runs the protocol;
// this module decides. Always true: a 250 at end of DATA is sent only after deliver() resolved
// (the message is committed in every recipient's mailbox); anything refused is stored nowhere;
// every reply carries an RFC 3463 enhanced status code; there is no AUTH on this port, and mail
// is accepted only for recipients that delivery resolves to local accounts.
import { ingestReports, isReportAddress } from '../reports/ingest.ts';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { ListenAddress } from '../config/types.ts';
import type { RunningListener, ServerContext } from '../server-context.ts';
import { SMTP_LINE_LENGTH, SMTP_MAX_RECEIVED } from '../limits.ts';
import { SmtpEngine } from './engine.ts';
import { BAD_RECIPIENT_SYNTAX, BARE_CR, MAILBOX_FULL, messageTooBig, replyError as catalogueError, UNKNOWN_USER } from './reply-catalogue.ts';
import { ConnectionLimiter } from '../net/connection-limiter.ts';
import { connectionGate } from '../net/connection-gate.ts';
import { parseProxyTrust } from '../config/proxy-trust.ts';
import { listenOn } from '../net/listen.ts';
import { deliver, OverQuotaError, SieveRejectError, type FilterOptions } from '../delivery/deliver.ts';
import { outboundServicesOf } from '../delivery/forward.ts';
import { srsFor, Srs, SrsError } from '../srs/srs.ts';
import { resolveRecipient } from '../delivery/recipients.ts';
import { verifyMessage, type AuthVerdict, type InboundEnvelope } from '../email-auth/verify.ts';
import { decideInbound } from '../email-auth/inbound-policy.ts';
import { decideOwnDomain } from '../email-auth/own-domain-policy.ts';
import { fromAddresses } from './submission-policy.ts';
import { domainOf, normalizeDomain } from '../store/addresses.ts';
import { stripForgedResults } from '../email-auth/authentication-results.ts';
import { verdictLabels } from '../email-auth/verdict-labels.ts';
import { serverMetrics } from '../metrics/catalogue.ts';
import { checkRecipient } from './recipient-syntax.ts';
import { buildReceived, withProtocol } from '../mime/received.ts';
import { isLooping } from './loop-detection.ts';
import { LineEndingNormalizer } from './line-endings.ts';
import { inboundReplies } from './enhanced-replies.ts';
import { SpamFilter, type Judgement } from '../spam/filter.ts';
import { stripOwnSpamFields } from '../spam/own-headers.ts';
import { learnedOnArrival, spamHeaders } from '../spam/verdict.ts';
import { REJECTS_MAILBOX } from '../store/spam-filing.ts';
import { greylistExempt, greylistTriplet, GREYLIST_KEEP_MS } from '../spam/greylist.ts';
import { spamMetrics, type SpamMetrics } from '../metrics/catalogue.ts';
import type { SpamDeliveryRecord } from '../store/spam.ts';
import type { StoreTarget } from '../delivery/deliver.ts';
import type { Store } from '../store/api.ts';
import { smtpFailure } from './our-failure.ts';
import { watchDataRate } from './session-deadlines.ts';

/** An error smtp-server turns into a reply; `text` starts with its enhanced code. */
function reply(code: number, text: string): Error & { responseCode: number } {
  return Object.assign(new Error(text), { responseCode: code });
}

/**
 * RFC 5321 §4.3.1: a client waits for the greeting. [spam] early_talker holds this connection's
 * greeting `ms` (a timer of its own: no other session waits); what the client sends meanwhile is kept
 * in the socket, marks it an early talker (a score, never a refusal: smtp-server would answer 421),
 * and is read as commands once the session has greeted.
 */
function holdGreeting(socket: net.Socket, ms: number, then: (talkedEarly: boolean) => void): void {
  const early: Buffer[] = [];
  const read = () => {
    for (let chunk = socket.read() as Buffer | null; chunk !== null; chunk = socket.read() as Buffer | null) early.push(chunk);
  };
  const gone = () => clearTimeout(timer);
  socket.on('readable', read);
  socket.once('close', gone);
  const timer = setTimeout(() => {
    socket.off('readable', read);
    socket.off('close', gone);
    if (early.length > 0) socket.unshift(Buffer.concat(early));
    then(early.length > 0);
  }, ms);
}

/** Per transaction: the accounts each accepted RCPT resolved to. Keyed by the envelope, which smtp-server replaces on RSET/MAIL. */
const transactionAccounts = new WeakMap<object, Set<number>>();
/** Per transaction: the RCPT that reached each account (Sieve's envelope "to") and alias/SRS forwards by RCPT. */
const transactionRoutes = new WeakMap<object, { rcptOf: Map<number, string>; forwards: Map<string, string[]> }>();

export async function startInboundSmtp(ctx: ServerContext, address: ListenAddress): Promise<RunningListener> {
  const { config, store, log } = ctx;
  const metrics = serverMetrics(ctx.metrics);
  const refused = (reason: string) => metrics.messagesRefused.inc({ source: 'inbound', reason });
  const spamCounters = spamMetrics(ctx.metrics);
  const filter = new SpamFilter({ config, store, resolver: ctx.resolver, log, metrics: spamCounters });
  /** Sessions (by id) that sent data during their greeting pause ([spam] early_talker). */
  const earlyTalkers = new Set<string>();
  const greetingPauseMs = config.spam.enabled && config.spam.early_talker ? config.spam.greeting_pause_ms : 0;

  const engine = new SmtpEngine({
    name: config.hostname,
    banner: 'Postern',
    ...ctx.tls.serverOptions(),
    disabledCommands: ['AUTH'],
    hideENHANCEDSTATUSCODES: false,
    size: config.limits.message_size,
    maxRecipients: config.limits.recipients,
    // RFC 5321 §4.5.3.1.4: 512 octets including the CRLF; smtp-server counts without it.
    maxCommandLength: SMTP_LINE_LENGTH - 2,
    socketTimeout: config.limits.idle_timeout_s * 1000,
    // Reverse DNS would bypass the one resolver; nothing here depends on it.
    disableReverseLookup: true,
    logger: false,

    onConnect(session, callback) {
      metrics.connections.inc({ protocol: 'smtp' });
      callback();
    },

    onClose(session) {
      earlyTalkers.delete(session.id);
    },

    onRcptTo(rcpt: SMTPServerAddress, session: SMTPServerSession, callback: (err?: Error | null) => void) {
      acceptRecipient(rcpt.address, session).then(() => callback(), (err: unknown) => callback(smtpFailure(err, log, { session: session.id, stage: 'RCPT' })));
    },

    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null, message?: string) => void) {
      const connection = engine.session(session.id);
      const stopWatch = connection
        ? watchDataRate(connection, () => stream.byteLength ?? 0, config.limits.smtp_data_min_rate, config.limits.smtp_data_grace_s * 1000)
        : () => {};
      stream.once('end', stopWatch);
      stream.once('close', stopWatch);
      readMessage(stream).then((content) => finishTransaction(content, stream, session)).then((message) => callback(null, message),
        (err: unknown) => callback(smtpFailure(err, log, { session: session.id, stage: 'DATA' })));
    },
  }, { greetAtOnce: true, replies: inboundReplies });
  engine.onError((err) => log.debug({ err }, 'smtp connection error'));

  async function acceptRecipient(rawAddress: string, session: SMTPServerSession): Promise<void> {
    const check = checkRecipient(rawAddress);
    if (check.kind === 'refuse') throw reply(check.code, `${check.enhanced} ${check.text}`);
    const address = check.kind === 'postmaster' ? `postmaster@${config.hostname}` : rawAddress;
    let routes = transactionRoutes.get(session.envelope);
    if (!routes) transactionRoutes.set(session.envelope, (routes = { rcptOf: new Map(), forwards: new Map() }));
    const at = address.lastIndexOf('@');
    if (Srs.isSrs(address) && at > 0 && (await store.domains.isLocal(domainOf(address)))) {
      // A bounce to an address we rewrote when forwarding: verified, then sent on to the original
      // sender. An SRS address that does not verify is refused: it must never make us a relay.
      let original: string;
      try {
        original = srsFor(config.data_dir).reverse(address, ctx.clock.now());
      } catch (err) {
        if (err instanceof SrsError) throw reply(550, `5.1.1 Invalid SRS address: ${err.message}`);
        throw err;
      }
      const back = await resolveRecipient(store, original);
      if (back.kind === 'local' && back.accountIds.length > 0) {
        let accounts = transactionAccounts.get(session.envelope);
        if (!accounts) transactionAccounts.set(session.envelope, (accounts = new Set()));
        for (const id of back.accountIds) { accounts.add(id); routes.rcptOf.set(id, original); }
      } else routes.forwards.set(address, [original]);
      return;
    }
    const resolution = await resolveRecipient(store, address);
    switch (resolution.kind) {
      case 'invalid': throw catalogueError(BAD_RECIPIENT_SYNTAX);
      case 'not-local': throw reply(554, '5.7.1 Relaying denied');
      case 'unknown-user': throw catalogueError(UNKNOWN_USER);
    }
    for (const id of resolution.accountIds) {
      const account = await store.accounts.byId(id);
      if (account && account.quotaBytes > 0 && account.usedBytes >= account.quotaBytes) throw catalogueError(MAILBOX_FULL);
    }
    let accounts = transactionAccounts.get(session.envelope);
    if (!accounts) transactionAccounts.set(session.envelope, (accounts = new Set()));
    for (const id of resolution.accountIds) { accounts.add(id); if (!routes.rcptOf.has(id)) routes.rcptOf.set(id, address); }
    if (resolution.forwards.length > 0) routes.forwards.set(address, resolution.forwards);
  }

  /** `endedAt`: the clock when the final dot arrived, where delivery latency starts. */
  interface Received { raw: Buffer; bareCr: boolean; endedAt: number }

  function readMessage(stream: SMTPServerDataStream): Promise<Received> {
    return new Promise((resolve, reject) => {
      const normalizer = new LineEndingNormalizer();
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => {
        // Past the limit nothing more is kept; smtp-server keeps counting so we can refuse it.
        if (!stream.sizeExceeded) chunks.push(normalizer.push(chunk));
      });
      stream.once('end', () => {
        normalizer.end();
        resolve({ raw: Buffer.concat(chunks), bareCr: normalizer.bareCr, endedAt: ctx.clock.now() });
      });
      stream.once('error', reject);
    });
  }

  async function finishTransaction(content: Received, stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string> {
    if (stream.sizeExceeded) {
      refused('too-big');
      throw catalogueError(messageTooBig(config.limits.message_size));
    }
    if (content.bareCr) {
      refused('bare-cr');
      throw catalogueError(BARE_CR);
    }
    if (isLooping(content.raw, SMTP_MAX_RECEIVED)) {
      refused('loop');
      throw reply(554, `5.4.6 Too many Received headers (more than ${SMTP_MAX_RECEIVED}): mail loop`);
    }
    const accounts = transactionAccounts.get(session.envelope) ?? new Set<number>();
    const routes = transactionRoutes.get(session.envelope) ?? { rcptOf: new Map(), forwards: new Map() };
    if (accounts.size === 0 && routes.forwards.size === 0) throw reply(503, '5.5.1 No valid recipients');
    const envelope = {
      ip: session.remoteAddress,
      helo: session.hostNameAppearsAs || session.remoteAddress,
      mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
    };
    const verdict = await verifyMessage(content.raw, envelope, { resolver: ctx.resolver, hostname: config.hostname, timeoutMs: config.inbound.verify_timeout_ms });
    for (const labels of verdictLabels(verdict)) metrics.verdicts.inc({ ...labels });
    const ownDomains: string[] = [];
    for (const domain of new Set(fromAddresses(content.raw).map((a) => normalizeDomain(domainOf(a))))) if (await store.domains.isLocal(domain)) ownDomains.push(domain);
    const decision = decideOwnDomain(decideInbound(verdict, config.inbound), ownDomains, verdict, envelope, config.inbound.own_domain_unauthenticated);
    if (decision.kind === 'reject' || decision.kind === 'defer') {
      refused(decision.reason);
      log.info({ session: session.id, reason: decision.reason, from: envelope.mailFrom }, `inbound message ${decision.kind}ed`);
      throw reply(decision.code, `${decision.enhanced} ${decision.text}`);
    }
    const id = randomBytes(8).toString('hex');
    const tlsInfo = session.secure && session.tlsOptions ? { protocol: session.tlsOptions.version ?? 'TLS', cipher: session.tlsOptions.name } : undefined;
    const rcpts = session.envelope.rcptTo;
    // RFC 8601 §5: Authentication-Results goes above the other trace fields, ours included; the
    // spam verdict's fields go between the two (storeCopies puts them there).
    const prefixHead = { results: verdict.header, received: buildReceived({
      helo: envelope.helo,
      ip: envelope.ip,
      hostname: config.hostname,
      id,
      tls: tlsInfo,
      protocol: withProtocol({ tls: tlsInfo, smtputf8: session.envelope.smtpUtf8 === true, esmtp: session.openingCommand !== 'HELO' }),
      recipient: rcpts.length === 1 ? rcpts[0]!.address : undefined,
      date: ctx.clock.now(),
    }) };
    const raw = stripOwnSpamFields(stripForgedResults(content.raw, config.hostname));
    const policyJunk = decision.kind === 'junk';
    const deliveries: SpamDelivery[] = [];
    if (config.spam.enabled && accounts.size > 0) {
      const judgement = await filter.judge({
        raw, accountIds: [...accounts], auth: verdict, envelope, recipients: rcpts.map((r) => r.address), earlyTalker: earlyTalkers.has(session.id),
      });
      await greylist(judgement, verdict, envelope, spamCounters, session.id);
      if (judgement.accounts.every((a) => a.verdict.action === 'reject')) {
        // Refused, but a copy is kept in each recipient's Rejects so a wrongly refused message can be found.
        for (const a of judgement.accounts) await store.spam.rejectsMailbox(a.accountId);
        const copies = judgement.accounts.map((a) => ({ accountId: a.accountId, mailbox: REJECTS_MAILBOX }));
        for (const group of spamDeliveries(judgement, copies, 'reject')) await storeCopies(store, raw, prefixHead, group);
        refused('spam');
        const top = judgement.accounts[0]!.verdict;
        log.info({ session: session.id, id, from: envelope.mailFrom, score: top.score, reasons: top.reasons }, 'inbound message refused as spam (copy in Rejects)');
        throw reply(550, `5.7.1 Message refused as spam (score ${top.score.toFixed(1)}); ask the recipient to look in Rejects`);
      }
      const targets = judgement.accounts.map((a) => ({
        accountId: a.accountId, mailbox: policyJunk || a.verdict.action !== 'inbox' ? '\\Junk' : undefined,
      }));
      deliveries.push(...spamDeliveries(judgement, targets, null));
    } else {
      deliveries.push({ header: '', targets: [...accounts].map((accountId) => ({ accountId, mailbox: policyJunk ? '\\Junk' : undefined })), records: [] });
    }
    // Sieve runs in deliver(), after the spam verdict (its X-Spam-* fields are in the prefix the
    // scripts read). A reject refuses the transaction only when one deliver() holds every copy.
    const sieve: FilterOptions = { envelopeFrom: envelope.mailFrom, rcptOf: routes.rcptOf, remoteIp: envelope.ip, services: outboundServicesOf(ctx), refuseOnReject: deliveries.length === 1 };
    try {
      for (const [i, d] of deliveries.entries()) await storeCopies(store, raw, prefixHead, d, sieve, i === 0 ? routes.forwards : undefined);
    } catch (err) {
      if (err instanceof SieveRejectError) {
        // RFC 5429 §2.2: every recipient's script rejected it, so it is refused in the transaction.
        refused('sieve-reject');
        throw reply(550, `5.7.1 ${err.message.replace(/[\r\n]+/g, ' ').trim() || 'Message rejected'}`);
      }
      if (err instanceof OverQuotaError) {
        refused('over-quota');
        throw catalogueError(MAILBOX_FULL);
      }
      throw err;
    }
    const junked = deliveries.some((d) => d.targets.some((t) => t.mailbox === '\\Junk'));
    metrics.messagesReceived.inc({ source: 'inbound' });
    // DMARC and TLS-RPT reports to postmaster@: stored for `postern reports` (the message is already in the mailbox).
    if (rcpts.some((r) => isReportAddress(r.address))) await ingestReports(store, raw, ctx.clock.now(), log, metrics.reportsReceived);
    // Clamped: a wall clock stepped back mid-transaction must not record a negative latency.
    metrics.deliveryLatency.observe(Math.max(0, ctx.clock.now() - content.endedAt) / 1000, { source: 'inbound' });
    if (policyJunk) metrics.messagesJunked.inc({ reason: decision.reason });
    else if (junked) metrics.messagesJunked.inc({ reason: 'spam' });
    log.info({ session: session.id, id, size: content.raw.length, recipients: accounts.size, verdict: decision.reason, junk: junked,
      spam: deliveries.flatMap((d) => d.records.map((r) => ({ score: r.score, to: r.deliveredTo }))) }, 'inbound message stored');
    return `Message accepted as ${id}`;
  }

  /** [spam] greylist: a 451 for a first-time sender, unless exempt (src/spam/greylist.ts). */
  async function greylist(judgement: Judgement, auth: AuthVerdict, env: InboundEnvelope, counters: SpamMetrics, sessionId: string): Promise<void> {
    if (!config.spam.greylist) return;
    for (const a of judgement.accounts) {
      if (await greylistExempt(store, a.accountId, a.reputation, auth, env)) continue;
      if (await store.spam.greylistPasses(a.accountId, greylistTriplet(env), config.spam.greylist_delay_s * 1000, GREYLIST_KEEP_MS)) continue;
      counters.greylisted.inc();
      log.info({ session: sessionId, ip: env.ip, from: env.mailFrom }, 'inbound message greylisted');
      throw reply(451, '4.7.1 Greylisted: please try again later');
    }
  }

  // Counted at accept (before any byte of SMTP), under the client a trusted PROXY header names.
  const server = net.createServer(connectionGate({
    limiter: new ConnectionLimiter({ maxPerIp: config.limits.connections_per_ip, maxTotal: config.limits.connections_total, ipv6Prefix: config.limits.ipv6_prefix }),
    trust: parseProxyTrust(config.listen.proxy_protocol_from),
    refusal: (reason) => `421 4.7.0 Too many connections${reason === 'per-ip' ? ' from your address' : ''}, try again later\r\n`,
    refused: (reason) => metrics.connectionsRefused.inc({ protocol: 'smtp', reason }),
    proxyFailed: (reason, peer, detail) => {
      metrics.proxyHeadersRefused.inc({ protocol: 'smtp', reason });
      log.info({ listener: 'smtp', peer, reason, detail }, 'connection closed: bad PROXY header');
    },
    admitted: (socket, client) => {
      if (greetingPauseMs === 0) return engine.serve(socket, client);
      holdGreeting(socket, greetingPauseMs, (talkedEarly) => {
        const id = engine.serve(socket, client);
        if (talkedEarly && id) earlyTalkers.add(id);
      });
    },
  }));
  server.on('error', (err) => log.error({ err, listener: 'smtp' }, 'smtp listener error'));
  const bound = await listenOn(server, address, 'smtp');
  return {
    name: 'smtp',
    host: bound.host,
    port: bound.port,
    accepting: () => server.listening,
    close: () => new Promise<void>((resolve) => {
      engine.close();
      server.close(() => resolve());
    }),
  };
}

/** One deliver() call: the copies that share a prefix (the same verdict header). */
interface SpamDelivery { header: string; targets: StoreTarget[]; records: SpamDeliveryRecord[] }

/**
 * Groups the recipient accounts by their verdict's header fields (one prefix per stored content),
 * with what each copy records for the filter. `refused`: every copy goes to Rejects, untrained.
 */
function spamDeliveries(judgement: Judgement, targets: StoreTarget[], refused: 'reject' | null): SpamDelivery[] {
  const groups = new Map<string, SpamDelivery>();
  judgement.accounts.forEach((a, i) => {
    const target = targets[i]!;
    const header = spamHeaders(a.verdict);
    const filed = refused ? 'rejects' : target.mailbox === '\\Junk' ? 'junk' : 'inbox';
    const key = `${header}\0${target.mailbox ?? ''}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { header, targets: [], records: [] }));
    group.targets.push(target);
    group.records.push({
      accountId: a.accountId, learnAs: learnedOnArrival(filed, a.verdict), signals: judgement.signals, messageId: judgement.messageId,
      score: a.verdict.score, reasons: a.verdict.reasons, deliveredTo: filed === 'rejects' ? 'reject' : filed,
    });
  });
  return [...groups.values()];
}

function storeCopies(store: Store, raw: Buffer, head: { results: string; received: string }, d: SpamDelivery, filter?: FilterOptions, forwards?: Map<string, string[]>): Promise<unknown> {
  return deliver(store, { raw, prefix: head.results + d.header + head.received, recipients: d.targets, spam: d.records, filter, forwards });
}
