// The one way into a mailbox. Inbound SMTP, local submission, bounces, IMAP APPEND and import all
// call deliver(): it parses the message once (src/mime; or takes the caller's parse of raw and only
// accounts for the prefix, mime/index.ts indexBehindPrefix), stores it once for every recipient in one
// group-committed transaction, and resolves only after COMMIT — so a 250 or an OK that follows it
// is durable — with the change already published to the recipients' sessions.
import { indexBehindPrefix, indexMessage, encodeTree, type IndexedMessage } from '../mime/index.ts';
import type { Store } from '../store/api.ts';
import type { ContentIndex } from '../store/contents.ts';
import { pop3Octets } from '../pop3/protocol/message-stuffer.ts';
import type { StoreTarget, StoredCopy } from '../store/delivery.ts';
import type { SpamDeliveryRecord } from '../store/spam.ts';
import { planDelivery, SieveRejectError, type FilterOptions } from './sieve-filter.ts';
import { forwardMessage } from './forward.ts';
import { learnedOnArrival } from '../spam/verdict.ts';

export { OverQuotaError, NoSuchMailboxError } from '../store/delivery.ts';
export type { StoreTarget, StoredCopy } from '../store/delivery.ts';
export type { SpamDeliveryRecord } from '../store/spam.ts';
export { SieveRejectError } from './sieve-filter.ts';
export type { FilterOptions } from './sieve-filter.ts';

export interface DeliveryInput {
  /** The message as received, CRLF line endings; never rewritten. */
  raw: Buffer;
  /** Header lines Postern adds in front (Received, Authentication-Results, DKIM-Signature), CRLF-terminated. */
  prefix?: string | Buffer;
  /**
   * `raw` as the caller already parsed it (indexMessage(raw), e.g. for the spam filter): the stored
   * index is derived from it instead of parsing prefix + raw again. It must be the parse of this raw.
   */
  parsed?: IndexedMessage;
  recipients: StoreTarget[];
  /** IMAP INTERNALDATE, ms since epoch; defaults to now. */
  internalDate?: number;
  flags?: string[];
  /** Bounces (DSNs) only: stored even when the mailbox is over its quota, so the sender learns of the failure. */
  ignoreQuota?: boolean;
  /**
   * Remote recipients of the same message (submission): queued in the same transaction as the
   * local copies, so a 250 covers both or neither.
   */
  queue?: { sender: string; accountId: number | null; recipients: string[]; expiresAt: number };
  /**
   * Run each recipient's active Sieve script (mail from port 25 and local submissions) before
   * storing; absent for IMAP APPEND, import and bounces, which are stored as given.
   */
  filter?: FilterOptions;
  /** Alias targets outside our domains (RCPT address → targets): forwarded after the commit. */
  forwards?: Map<string, string[]>;
  /**
   * The spam verdict of inbound mail (src/spam), one record per recipient account: score, reasons,
   * `deliveredTo` and `learnAs` (the class the copy is trained as on arrival: the class of the
   * mailbox it is filed in, null for Rejects). The prefix already carries X-Spam-Score and
   * X-Spam-Reasons. A later step that files the copy elsewhere (Sieve) changes `recipients[].mailbox`
   * and should set `learnAs` to the class of the new mailbox (src/spam/verdict.ts learnedOnArrival).
   */
  spam?: readonly SpamDeliveryRecord[];
}

export async function deliver(store: Store, input: DeliveryInput): Promise<StoredCopy[]> {
  const prefix = typeof input.prefix === 'string' ? Buffer.from(input.prefix, 'utf8') : input.prefix ?? Buffer.alloc(0);
  // Prefix + raw in one buffer, made only for what reads it whole (a parse, a Sieve script).
  let joined: Buffer | null = null;
  const full = () => (joined ??= prefix.length > 0 ? Buffer.concat([prefix, input.raw]) : input.raw);
  if (!input.filter) return commitCopies(store, input, input.recipients, prefix, full);
  // Sieve runs before the message is stored (after the spam verdict the caller put in the prefix).
  const plan = await planDelivery(store, full, input.raw, prefix, input.recipients, input.filter);
  if (plan.rejectedBy !== null && !input.queue && !(input.forwards && input.forwards.size > 0)) throw new SieveRejectError(plan.rejectedBy);
  const filed = { ...input, spam: input.spam ? refiledSpam(input.spam, plan.targets) : undefined };
  const copies = plan.targets.length > 0 || input.queue ? await commitCopies(store, filed, plan.targets, prefix, full) : [];
  try {
    await plan.after();
    for (const [address, targets] of input.forwards ?? []) {
      const outcome = await forwardMessage(store, input.filter.services, { raw: input.raw, prefix, envelopeFrom: input.filter.envelopeFrom, ownerAccountId: null, ownerAddress: address, targets });
      if (!outcome.queued) input.filter.services.log.warn({ alias: address, reason: outcome.reason }, 'alias forward not sent');
    }
  } catch (err) {
    // With copies stored, a retry by the sender would duplicate them: log instead. With none, the
    // sender must retry, or the message would be lost.
    if (copies.length === 0) throw err;
    input.filter.services.log.error({ err }, 'forwarding or a Sieve reply failed after the message was stored');
  }
  return copies;
}

/** MULTIAPPEND (RFC 3502 §3): several messages into one mailbox, committed together or not
 *  at all. Each is parsed once, as deliver() does; no filter or queue applies to an APPEND. */
export async function deliverAll(store: Store, inputs: readonly Omit<DeliveryInput, 'filter' | 'queue' | 'forwards'>[]): Promise<StoredCopy[][]> {
  return store.storeMessages(inputs.map((input) => {
    const prefix = typeof input.prefix === 'string' ? Buffer.from(input.prefix, 'utf8') : input.prefix ?? Buffer.alloc(0);
    const full = prefix.length > 0 ? Buffer.concat([prefix, input.raw]) : input.raw;
    return {
      raw: input.raw, prefix, index: contentIndexOf(full), targets: input.recipients,
      internalDate: input.internalDate ?? store.clock.now(), flags: input.flags ?? [],
    };
  }));
}

/**
 * The spam records after Sieve: an account whose script discarded or redirected the message has
 * no copy to train; one that filed it into Junk trains it as spam, anywhere else as ham
 * (src/spam/verdict.ts learnedOnArrival).
 */
function refiledSpam(records: readonly SpamDeliveryRecord[], targets: StoreTarget[]): SpamDeliveryRecord[] {
  const out: SpamDeliveryRecord[] = [];
  for (const r of records) {
    const mine = targets.filter((t) => t.accountId === r.accountId);
    if (mine.length === 0) continue;
    if (r.learnAs === null) { out.push(r); continue; }
    const junk = mine.some((t) => t.mailbox === '\\Junk' || t.mailbox === 'Junk');
    out.push({ ...r, learnAs: learnedOnArrival(junk ? 'junk' : 'inbox'), deliveredTo: junk ? 'junk' : 'inbox' });
  }
  return out;
}

async function commitCopies(store: Store, input: DeliveryInput, recipients: StoreTarget[], prefix: Buffer, full: () => Buffer): Promise<StoredCopy[]> {
  if (input.queue) {
    // Queue-only content is never read by IMAP, so it is not indexed.
    const index = recipients.length > 0 ? indexFor(input, prefix, full) : null;
    const { copies } = await store.queue.accept({
      raw: input.raw, prefix, index, localTargets: recipients, internalDate: input.internalDate ?? store.clock.now(),
      sender: input.queue.sender, accountId: input.queue.accountId, remoteRecipients: input.queue.recipients, expiresAt: input.queue.expiresAt,
    }, store.clock.now());
    return copies;
  }
  return store.storeMessage({
    raw: input.raw,
    prefix,
    index: indexFor(input, prefix, full),
    targets: recipients,
    internalDate: input.internalDate ?? store.clock.now(),
    flags: input.flags ?? [],
    spam: input.spam,
    ignoreQuota: input.ignoreQuota,
  });
}

/** The stored index: from the caller's parse of raw, moved behind the prefix, or from a parse of prefix + raw. */
function indexFor(input: DeliveryInput, prefix: Buffer, full: () => Buffer): ContentIndex {
  if (!input.parsed) return contentIndexOf(full());
  return contentIndexOf([prefix, input.raw], indexBehindPrefix(input.parsed, input.raw, prefix));
}

/**
 * What delivery computes once from a message as served (prefix + raw, whole or in pieces) for IMAP
 * and POP3 to read later; `indexed`: its parse, when made already (required for pieces).
 */
export function contentIndexOf(full: Buffer): ContentIndex;
export function contentIndexOf(pieces: readonly Buffer[], indexed: IndexedMessage): ContentIndex;
export function contentIndexOf(full: Buffer | readonly Buffer[], given?: IndexedMessage): ContentIndex {
  const pieces = Buffer.isBuffer(full) ? [full] : full;
  const indexed = given ?? indexMessage(pieces[0]!);
  return {
    mimeTree: encodeTree(indexed.tree), envelope: indexed.envelope, bodyStructure: indexed.bodyStructure, body: indexed.body,
    headerText: indexed.headerText, searchText: indexed.searchText, sentDate: indexed.sentDate,
    sentDay: indexed.sentDay, addressText: indexed.addressText, sortKeys: indexed.sortKeys,
    // A POP3 user's first login would otherwise read every message to count it (0.65 s on 10,000).
    pop3Octets: pop3Octets(pieces),
  };
}
