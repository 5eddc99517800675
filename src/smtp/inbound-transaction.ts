// One port 25 transaction, from MAIL to the reply at the end of DATA, without a socket: what the
// listener (inbound-server.ts) learned from smtp-server's hooks arrives as a plain InboundTransaction,
// and everything the decisions need from outside arrives as InboundDeps. acceptRecipient answers
// RCPT, finishTransaction answers the final dot. Always true: a refusal is thrown as an SMTP reply
// error carrying its code and, at the start of its text, its RFC 3463 enhanced code; the accepted
// reply is returned only after deliver() resolved (every copy committed); anything refused is stored
// nowhere, except a spam refusal's copy in each recipient's Rejects; at the final dot the header is
// read once (readMessageHeader) and the message as stored parsed once (indexMessage), and every
// step after that (loop count, From: domains, forged-field removal, spam filter, deliver()) reads
// those views instead of scanning the bytes again.
import { randomHex } from '../random-hex.ts';
import type { Config } from '../config/types.ts';
import type { Store } from '../store/api.ts';
import type { Resolver } from '../dns/resolver.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import { serverMetrics, spamMetrics, type ServerMetrics, type SpamMetrics } from '../metrics/catalogue.ts';
import type { ServerContext } from '../server-context.ts';
import { SMTP_MAX_RECEIVED } from '../limits.ts';
import { BAD_RECIPIENT_SYNTAX, BARE_CR, MAILBOX_FULL, messageTooBig, replyError as catalogueError, UNKNOWN_USER } from './reply-catalogue.ts';
import { deliver, OverQuotaError, SieveRejectError, type FilterOptions, type StoreTarget } from '../delivery/deliver.ts';
import { outboundServicesOf, type OutboundServices } from '../delivery/forward.ts';
import { srsFor, Srs, SrsError } from '../srs/srs.ts';
import { resolveRecipient } from '../delivery/recipients.ts';
import { verifyMessage, type AuthVerdict, type InboundEnvelope } from '../email-auth/verify.ts';
import { decideInbound } from '../email-auth/inbound-policy.ts';
import { recordDmarcResult } from '../reports/dmarc-results.ts';
import { decideOwnDomain } from '../email-auth/own-domain-policy.ts';
import { fromAddresses } from './submission-policy.ts';
import { domainOf, normalizeDomain } from '../store/addresses.ts';
import { forgedResults } from '../email-auth/authentication-results.ts';
import { verdictLabels } from '../email-auth/verdict-labels.ts';
import { checkRecipient } from './recipient-syntax.ts';
import { buildReceived, withProtocol } from '../mime/received.ts';
import { isLooping } from './loop-detection.ts';
import { SpamFilter, type Judgement, type JudgeInput } from '../spam/filter.ts';
import { ownSpamFields } from '../spam/own-headers.ts';
import { readMessageHeader, withoutFields } from '../mime/header-fields.ts';
import { indexMessage, type IndexedMessage } from '../mime/index.ts';
import { learnedOnArrival, spamHeaders } from '../spam/verdict.ts';
import { REJECTS_MAILBOX } from '../store/spam-filing.ts';
import { greylistExempt, greylistTriplet, GREYLIST_KEEP_MS } from '../spam/greylist.ts';
import type { SpamDeliveryRecord } from '../store/spam.ts';
import { ingestReports, isReportAddress } from '../reports/ingest.ts';

/** What a port 25 transaction needs from the server around it. */
export interface InboundDeps {
  config: Pick<Config, 'hostname' | 'data_dir' | 'limits' | 'inbound' | 'spam'>;
  store: Store;
  resolver: Resolver;
  clock: Clock;
  log: Logger;
  metrics: Pick<ServerMetrics, 'messagesRefused' | 'messagesReceived' | 'messagesJunked' | 'verdicts' | 'deliveryLatency' | 'reportsReceived'>;
  spamMetrics: Pick<SpamMetrics, 'greylisted'>;
  /** The spam filter (src/spam/filter.ts), consulted when [spam] enabled. */
  filter: { judge(input: JudgeInput): Promise<Judgement> };
  /** For Sieve's redirects and replies and for alias forwards. */
  outbound: OutboundServices;
}

/** What a port 25 transaction is given, from what `serve` built. */
export function inboundDeps(ctx: ServerContext): InboundDeps {
  const spam = spamMetrics(ctx.metrics);
  return {
    config: ctx.config, store: ctx.store, resolver: ctx.resolver, clock: ctx.clock, log: ctx.log,
    metrics: serverMetrics(ctx.metrics), spamMetrics: spam, outbound: outboundServicesOf(ctx),
    filter: new SpamFilter({ config: ctx.config, store: ctx.store, resolver: ctx.resolver, log: ctx.log, metrics: spam }),
  };
}

/** The connection facts a transaction starts with (known at MAIL). */
export interface InboundTransactionStart {
  sessionId: string;
  remoteIp: string;
  /** The EHLO/HELO name, or the client's address when it gave none. */
  helo: string;
  /** The session opened with EHLO (RFC 5321 §4.4: ESMTP in Received), not HELO. */
  esmtp: boolean;
  tls: { protocol: string; cipher: string } | null;
  /** RFC 6531: MAIL carried SMTPUTF8. */
  smtpUtf8: boolean;
  /** The MAIL FROM address; '' for the null reverse-path. */
  mailFrom: string;
  /** The client talked before the greeting ([spam] early_talker). */
  earlyTalker: boolean;
}

/** One transaction: the facts of its MAIL and what each accepted RCPT resolved to. Begun at MAIL, so RSET and a new MAIL start afresh. */
export interface InboundTransaction extends InboundTransactionStart {
  /** Accepted RCPT addresses as given, by lowercase address (a repeated one replaces the earlier, as smtp-server keeps them). */
  recipients: Map<string, string>;
  /** The accounts the accepted recipients resolved to. */
  accounts: Set<number>;
  /** The RCPT that reached each account (Sieve's envelope "to"). */
  rcptOf: Map<number, string>;
  /** Alias and SRS forwards, by RCPT address. */
  forwards: Map<string, string[]>;
}

export function beginTransaction(start: InboundTransactionStart): InboundTransaction {
  return { ...start, recipients: new Map(), accounts: new Set(), rcptOf: new Map(), forwards: new Map() };
}

/** The message as the DATA stream delivered it: normalized to CRLF, nothing kept past the size limit. */
export interface ReceivedMessage {
  raw: Buffer;
  /** A CR not followed by LF was seen (line-endings.ts). */
  bareCr: boolean;
  /** More than the size limit arrived; `raw` is cut short. */
  sizeExceeded: boolean;
  /** The clock when the final dot arrived, where delivery latency starts. */
  endedAt: number;
}

/** An error smtp-server turns into a reply; `text` starts with its enhanced code. */
function reply(code: number, text: string): Error & { responseCode: number } {
  return Object.assign(new Error(text), { responseCode: code });
}

/** RCPT: accepts `rawAddress` into `tx` or throws the refusal. */
export async function acceptRecipient(deps: InboundDeps, tx: InboundTransaction, rawAddress: string): Promise<void> {
  const { config, store } = deps;
  const check = checkRecipient(rawAddress);
  if (check.kind === 'refuse') throw reply(check.code, `${check.enhanced} ${check.text}`);
  const address = check.kind === 'postmaster' ? `postmaster@${config.hostname}` : rawAddress;
  const at = address.lastIndexOf('@');
  if (Srs.isSrs(address) && at > 0 && (await store.domains.isLocal(domainOf(address)))) {
    // A bounce to an address we rewrote when forwarding: verified, then sent on to the original
    // sender. An SRS address that does not verify is refused: it must never make us a relay.
    let original: string;
    try {
      original = srsFor(config.data_dir).reverse(address, deps.clock.now());
    } catch (err) {
      if (err instanceof SrsError) throw reply(550, `5.1.1 Invalid SRS address: ${err.message}`);
      throw err;
    }
    const back = await resolveRecipient(store, original);
    if (back.kind === 'local' && back.accountIds.length > 0) {
      for (const id of back.accountIds) { tx.accounts.add(id); tx.rcptOf.set(id, original); }
    } else tx.forwards.set(address, [original]);
    tx.recipients.set(rawAddress.toLowerCase(), rawAddress);
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
  for (const id of resolution.accountIds) { tx.accounts.add(id); if (!tx.rcptOf.has(id)) tx.rcptOf.set(id, address); }
  if (resolution.forwards.length > 0) tx.forwards.set(address, resolution.forwards);
  tx.recipients.set(rawAddress.toLowerCase(), rawAddress);
}

/** The final dot: verifies, judges, delivers and returns the 250 text, or throws the refusal. */
export async function finishTransaction(deps: InboundDeps, tx: InboundTransaction, content: ReceivedMessage): Promise<string> {
  const { config, store, log, metrics } = deps;
  const refused = (reason: string) => metrics.messagesRefused.inc({ source: 'inbound', reason });
  if (content.sizeExceeded) {
    refused('too-big');
    throw catalogueError(messageTooBig(config.limits.message_size));
  }
  if (content.bareCr) {
    refused('bare-cr');
    throw catalogueError(BARE_CR);
  }
  // The header is read once for the transaction (loop count, From: domains, forged fields).
  const header = readMessageHeader(content.raw);
  if (isLooping(header, SMTP_MAX_RECEIVED)) {
    refused('loop');
    throw reply(554, `5.4.6 Too many Received headers (more than ${SMTP_MAX_RECEIVED}): mail loop`);
  }
  const { accounts } = tx;
  if (accounts.size === 0 && tx.forwards.size === 0) throw reply(503, '5.5.1 No valid recipients');
  const envelope: InboundEnvelope = { ip: tx.remoteIp, helo: tx.helo, mailFrom: tx.mailFrom };
  const verdict = await verifyMessage(content.raw, envelope, { resolver: deps.resolver, hostname: config.hostname, timeoutMs: config.inbound.verify_timeout_ms });
  for (const labels of verdictLabels(verdict)) metrics.verdicts.inc({ ...labels });
  const ownDomains: string[] = [];
  for (const domain of new Set(fromAddresses(content.raw, header).map((a) => normalizeDomain(domainOf(a))))) if (await store.domains.isLocal(domain)) ownDomains.push(domain);
  const decision = decideOwnDomain(decideInbound(verdict, config.inbound), ownDomains, verdict, envelope, config.inbound.own_domain_unauthenticated);
  // For the DMARC aggregate reports we send (off by default); a deferred message is counted when it comes back.
  if (config.inbound.dmarc_reports && verdict.aggregate && decision.kind !== 'defer') {
    await recordDmarcResult(store, log, deps.clock.now(), envelope.ip, verdict.aggregate, decision.kind);
  }
  if (decision.kind === 'reject' || decision.kind === 'defer') {
    refused(decision.reason);
    log.info({ session: tx.sessionId, reason: decision.reason, from: envelope.mailFrom }, `inbound message ${decision.kind}ed`);
    throw reply(decision.code, `${decision.enhanced} ${decision.text}`);
  }
  const id = randomHex(8);
  const rcpts = [...tx.recipients.values()];
  // RFC 8601 §5: Authentication-Results goes above the other trace fields, ours included; the
  // spam verdict's fields go between the two (storeCopies puts them there).
  const prefixHead = { results: verdict.header, received: buildReceived({
    helo: envelope.helo,
    ip: envelope.ip,
    hostname: config.hostname,
    id,
    tls: tx.tls ?? undefined,
    protocol: withProtocol({ tls: tx.tls ?? undefined, smtputf8: tx.smtpUtf8, esmtp: tx.esmtp }),
    recipient: rcpts.length === 1 ? rcpts[0] : undefined,
    date: deps.clock.now(),
  }) };
  // RFC 8601 §5 and our X-Spam fields: claims to be our verdict are removed, in one pass.
  const forged = [...forgedResults(content.raw, header, config.hostname), ...ownSpamFields(header)].sort((a, b) => a.start - b.start);
  const raw = withoutFields(content.raw, forged);
  // Parsed once, for the spam filter and for delivery's index (which only adds the prefix to it).
  const parsed = indexMessage(raw);
  const policyJunk = decision.kind === 'junk';
  const deliveries: SpamDelivery[] = [];
  if (config.spam.enabled && accounts.size > 0) {
    const judgement = await deps.filter.judge({
      raw, parsed, accountIds: [...accounts], auth: verdict, envelope, recipients: rcpts, earlyTalker: tx.earlyTalker,
    });
    await greylist(deps, judgement, verdict, envelope, tx.sessionId);
    if (judgement.accounts.every((a) => a.verdict.action === 'reject')) {
      // Refused, but a copy is kept in each recipient's Rejects so a wrongly refused message can be found.
      for (const a of judgement.accounts) await store.spam.rejectsMailbox(a.accountId);
      const copies = judgement.accounts.map((a) => ({ accountId: a.accountId, mailbox: REJECTS_MAILBOX }));
      for (const group of spamDeliveries(judgement, copies, 'reject')) await storeCopies(store, { raw, parsed }, prefixHead, group);
      refused('spam');
      const top = judgement.accounts[0]!.verdict;
      log.info({ session: tx.sessionId, id, from: envelope.mailFrom, score: top.score, reasons: top.reasons }, 'inbound message refused as spam (copy in Rejects)');
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
  const sieve: FilterOptions = { envelopeFrom: envelope.mailFrom, rcptOf: tx.rcptOf, remoteIp: envelope.ip, services: deps.outbound, refuseOnReject: deliveries.length === 1 };
  try {
    for (const [i, d] of deliveries.entries()) await storeCopies(store, { raw, parsed }, prefixHead, d, sieve, i === 0 ? tx.forwards : undefined);
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
  if (rcpts.some((r) => isReportAddress(r))) await ingestReports(store, raw, deps.clock.now(), log, metrics.reportsReceived);
  // Clamped: a wall clock stepped back mid-transaction must not record a negative latency.
  metrics.deliveryLatency.observe(Math.max(0, deps.clock.now() - content.endedAt) / 1000, { source: 'inbound' });
  if (policyJunk) metrics.messagesJunked.inc({ reason: decision.reason });
  else if (junked) metrics.messagesJunked.inc({ reason: 'spam' });
  log.info({ session: tx.sessionId, id, size: content.raw.length, recipients: accounts.size, verdict: decision.reason, junk: junked,
    spam: deliveries.flatMap((d) => d.records.map((r) => ({ score: r.score, to: r.deliveredTo }))) }, 'inbound message stored');
  return `Message accepted as ${id}`;
}

/** [spam] greylist: a 451 for a first-time sender, unless exempt (src/spam/greylist.ts). */
async function greylist(deps: InboundDeps, judgement: Judgement, auth: AuthVerdict, env: InboundEnvelope, sessionId: string): Promise<void> {
  const { config, store } = deps;
  if (!config.spam.greylist) return;
  for (const a of judgement.accounts) {
    if (await greylistExempt(store, a.accountId, a.reputation, auth, env)) continue;
    if (await store.spam.greylistPasses(a.accountId, greylistTriplet(env), config.spam.greylist_delay_s * 1000, GREYLIST_KEEP_MS)) continue;
    deps.spamMetrics.greylisted.inc();
    deps.log.info({ session: sessionId, ip: env.ip, from: env.mailFrom }, 'inbound message greylisted');
    throw reply(451, '4.7.1 Greylisted: please try again later');
  }
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

function storeCopies(store: Store, message: { raw: Buffer; parsed: IndexedMessage }, head: { results: string; received: string }, d: SpamDelivery, filter?: FilterOptions, forwards?: Map<string, string[]>): Promise<unknown> {
  return deliver(store, { ...message, prefix: head.results + d.header + head.received, recipients: d.targets, spam: d.records, filter, forwards });
}
