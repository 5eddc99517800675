// One submission transaction (RFC 6409), from MAIL to the reply at the end of DATA, without a socket:
// the listener (submission-server.ts) turns smtp-server's session into a SubmissionClient once the
// user has logged in, and this module decides MAIL (may this user send, as this address), RCPT
// (local account, alias or remote) and DATA (From: owned, daily and hourly caps, fix-ups, DKIM
// signature, then local copies and queue rows in one deliver()). Always true: a refusal is thrown as
// an SMTP reply error with its RFC 3463 enhanced code at the start of its text; the 250 text is
// returned only after deliver() committed local copies and queue rows together; an hourly count
// taken for a message that was then not stored is given back.
import { randomHex } from '../random-hex.ts';
import type { Config } from '../config/types.ts';
import type { Store } from '../store/api.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { ServerMetrics, SpamMetrics } from '../metrics/catalogue.ts';
import { BAD_RECIPIENT_SYNTAX, MAILBOX_FULL, messageTooBig, replyError as catalogueError, UNKNOWN_USER } from './reply-catalogue.ts';
import { resolveRecipient } from '../delivery/recipients.ts';
import { deliver, OverQuotaError } from '../delivery/deliver.ts';
import type { OutboundServices } from '../delivery/forward.ts';
import { normalizeAddress, domainOf } from '../store/addresses.ts';
import { ownsSender } from '../delivery/sender-ownership.ts';
import { countSendWithin, sendsInLastHour, uncountSend } from '../delivery/send-rate.ts';
import {
  checkEnvelopeSender, checkFromHeader, checkHourlyRate, checkRecipientCount, fixupSubmittedMessage,
  fromMailboxes, normalizeLineEndings, RATE_LIMITED, type SmtpReply,
} from './submission-policy.ts';

/** What a submission transaction needs from the server around it. */
export interface SubmissionDeps {
  config: Pick<Config, 'hostname' | 'limits' | 'submission' | 'spam' | 'queue'>;
  store: Store;
  clock: Clock;
  log: Logger;
  metrics: Pick<ServerMetrics, 'messagesRefused' | 'messagesReceived' | 'deliveryLatency'>;
  spamMetrics: Pick<SpamMetrics, 'outboundCapped'>;
  /** DKIM-Signature fields for `message` under `domain`'s keys ('' when it has none). */
  sign(message: Buffer, domain: string, now: number): Promise<string>;
  /** For Sieve's redirects and replies at local delivery. */
  outbound: OutboundServices;
}

export interface SubmissionUser { accountId: number; address: string }

/** A logged-in session's facts, as the listener read them from smtp-server's session. */
export interface SubmissionClient {
  sessionId: string;
  remoteIp: string;
  /** The EHLO/HELO name ('' when none). */
  helo: string;
  /** The connection is TLS (Received says ESMTPSA, RFC 3848). */
  secure: boolean;
  tlsProtocol: string | undefined;
  user: SubmissionUser;
  /** Whether the user owns each sender address, for the session: MAIL FROM and From: usually name the same one. */
  owned: Map<string, boolean>;
}

/** One transaction, begun by an accepted MAIL. */
export interface SubmissionTransaction {
  client: SubmissionClient;
  mailFrom: string;
  /** Local recipients: RCPT address → the accounts it resolved to. */
  local: Map<string, number[]>;
  /** Remote recipients (and alias targets outside our domains), each once. */
  remote: string[];
}

/** The message as the DATA stream delivered it: as sent (line endings not yet checked), nothing kept past the size limit. */
export interface SubmittedMessage { raw: Buffer; sizeExceeded: boolean; endedAt: number }

function replyError(r: SmtpReply): Error & { responseCode: number } {
  return Object.assign(new Error(r.message), { responseCode: r.code });
}

async function owns(deps: SubmissionDeps, client: SubmissionClient, addr: string): Promise<boolean> {
  const key = `${client.user.accountId} ${addr.toLowerCase()}`;
  const hit = client.owned.get(key);
  if (hit !== undefined) return hit;
  const answer = addr !== '' && await ownsSender(deps.store, client.user.address, addr);
  client.owned.set(key, answer);
  return answer;
}

/** MAIL: the hourly rate and the envelope sender's ownership; the transaction, or the refusal thrown. */
export async function beginSubmission(deps: SubmissionDeps, client: SubmissionClient, mailFrom: string): Promise<SubmissionTransaction> {
  const sent = await sendsInLastHour(deps.store, client.user.accountId);
  const refusal = checkHourlyRate(sent, deps.config.submission.messages_per_hour) ?? checkEnvelopeSender(mailFrom, await owns(deps, client, mailFrom));
  if (refusal) throw replyError(refusal);
  return { client, mailFrom, local: new Map(), remote: [] };
}

/** RCPT: adds a local or remote recipient to `tx`, or throws the refusal. */
export async function acceptRecipient(deps: SubmissionDeps, tx: SubmissionTransaction, rawAddress: string): Promise<void> {
  const { config } = deps;
  const count = tx.remote.length + tx.local.size + 1;
  const limit = checkRecipientCount(count, Math.min(config.submission.recipients_per_message, config.limits.recipients));
  if (limit) throw replyError(limit);
  const address = normalizeAddress(rawAddress);
  if (!address) throw catalogueError(BAD_RECIPIENT_SYNTAX);
  const r = await resolveRecipient(deps.store, address);
  if (r.kind === 'local') {
    tx.local.set(address, r.accountIds);
    // An alias of ours that points outside: submitted mail goes there like any remote recipient.
    for (const f of r.forwards) if (!tx.remote.some((a) => a.toLowerCase() === f)) tx.remote.push(f);
    return;
  }
  // The same address twice is one recipient (one queue row, one copy delivered).
  if (r.kind === 'not-local') { if (!tx.remote.some((a) => a.toLowerCase() === rawAddress.toLowerCase())) tx.remote.push(rawAddress); return; }
  throw catalogueError(r.kind === 'unknown-user' ? UNKNOWN_USER : BAD_RECIPIENT_SYNTAX);
}

/** The final dot: checks, signs and stores the message; returns the 250 text or throws the refusal. */
export async function finishSubmission(deps: SubmissionDeps, tx: SubmissionTransaction, data: SubmittedMessage): Promise<string> {
  const { metrics } = deps;
  if (data.sizeExceeded) {
    metrics.messagesRefused.inc({ source: 'submission', reason: 'too-big' });
    throw catalogueError(messageTooBig(deps.config.limits.message_size));
  }
  let reply: SmtpReply;
  try {
    reply = await accept(deps, tx, data.raw);
  } catch (err) {
    if (err instanceof OverQuotaError) {
      metrics.messagesRefused.inc({ source: 'submission', reason: 'over-quota' });
      throw catalogueError(MAILBOX_FULL);
    }
    throw err;
  }
  if (reply.code >= 400) throw replyError(reply);
  metrics.messagesReceived.inc({ source: 'submission' });
  // Clamped: a wall clock stepped back mid-transaction must not record a negative latency.
  metrics.deliveryLatency.observe(Math.max(0, deps.clock.now() - data.endedAt) / 1000, { source: 'submission' });
  return reply.message;
}

async function accept(deps: SubmissionDeps, tx: SubmissionTransaction, data: Buffer): Promise<SmtpReply> {
  const { config, store, log } = deps;
  const { user } = tx.client;
  const normalized = normalizeLineEndings(data);
  if ('reply' in normalized) return normalized.reply;
  const from = fromMailboxes(normalized.message);
  const named = [...new Set(from.mailboxes.flatMap((m) => [m.address, ...m.nameAddresses]))];
  const owned = new Map(await Promise.all(named.map(async (a) => [a, await owns(deps, tx.client, a)] as const)));
  const refusal = checkFromHeader(from, (a) => owned.get(a) === true);
  if (refusal) return refusal;
  // [spam] outbound caps: a stolen password must not send a day's spam in minutes. Counted before
  // signing; the recipients also become "replied to" senders the inbound filter trusts.
  const cap = await store.spam.countOutbound(user.accountId, [...tx.local.keys(), ...tx.remote], {
    messagesPerDay: config.spam.outbound_messages_per_day, newRecipientsPerDay: config.spam.outbound_new_recipients_per_day,
  });
  if (!cap.ok) {
    deps.spamMetrics.outboundCapped.inc({ cap: cap.cap });
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
    return await signAndStore(deps, tx, normalized.message, from.mailboxes[0]!.address);
  } catch (err) {
    await uncountSend(store, user.accountId).catch(() => {});
    throw err;
  }
}

/** The first RCPT that reached each account, for Sieve's envelope "to". */
function rcptOfAccounts(local: Map<string, number[]>): Map<number, string> {
  const out = new Map<number, string>();
  for (const [address, ids] of local) for (const id of ids) if (!out.has(id)) out.set(id, address);
  return out;
}

async function signAndStore(deps: SubmissionDeps, tx: SubmissionTransaction, submitted: Buffer, fromAddress: string): Promise<SmtpReply> {
  const { config, store } = deps;
  const { client } = tx;
  const now = deps.clock.now();
  const queueId = randomHex(8);
  const { message, received } = fixupSubmittedMessage(submitted, {
    now, hostname: config.hostname, clientIp: client.remoteIp, clientHelo: client.helo,
    hideClientIp: config.submission.hide_client_ip, protocol: client.secure ? 'ESMTPSA' : 'ESMTPA',
    tlsProtocol: client.tlsProtocol, queueId,
  });
  // DMARC aligns on the From: domain, so that is the domain whose keys sign.
  const signatures = await deps.sign(message, domainOf(fromAddress), now);
  const prefix = signatures + received;

  const accountIds = [...new Set([...tx.local.values()].flat())];
  await deliver(store, {
    raw: message, prefix, recipients: accountIds.map((accountId) => ({ accountId })), internalDate: now,
    filter: { envelopeFrom: tx.mailFrom, rcptOf: rcptOfAccounts(tx.local), remoteIp: client.remoteIp, services: deps.outbound },
    ...(tx.remote.length > 0 ? { queue: { sender: tx.mailFrom, accountId: client.user.accountId, recipients: tx.remote, expiresAt: now + config.queue.lifetime_s * 1000 } } : {}),
  });
  deps.log.info({ queueId, user: client.user.address, local: accountIds.length, remote: tx.remote.length, size: message.length }, 'message submitted');
  return { code: 250, message: `2.0.0 Ok: queued as ${queueId}` };
}
