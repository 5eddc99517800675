// The store interface: everything protocol code may ask of the store, by area, all async and at the
// level of the domain (deliver, fetch a page, store flags, claim queue entries), never SQL. Two
// engines implement it: SQLite (src/store/sqlite/, the embedded default) and PostgreSQL
// (src/store/postgres/, several nodes on one database); src/store/engines/ opens the configured one.
// What must stay true for both:
// - a method that reads several things that must agree (a mailbox's counters and its UIDs) reads
//   them in one snapshot: on PostgreSQL other nodes commit between two calls;
// - a write resolves only once committed and durable, and its changes reach the change bus after
//   that (on every node, for PostgreSQL);
// - UIDs and MODSEQs only grow, per mailbox and per account, whoever allocates them.
// The types it speaks in are declared beside it in src/store/ (one file per area), as are the pure
// helpers both engines share; nothing in src/store/ itself imports an engine.
import type { Clock } from '../clock.ts';
import type { ChangeBus } from './change-bus.ts';
import type { DomainRow, DkimKey } from './domains.ts';
import type { AccountRow } from './accounts.ts';
import type { AliasRow } from './aliases.ts';
import type { MailboxRow } from './mailboxes.ts';
import type { ContentInfo, ContentIndex } from './contents.ts';
import type { Pop3Snapshot } from './maildrop.ts';
import type { AcceptInput, ClaimedRecipient, QueueBacklog, QueueMessageRow, QueueOutcome } from './queue.ts';
import type { StoreInput, StoredCopy } from './delivery.ts';
import type { SieveScriptRow } from './sieve.ts';
import type { DmarcAggregate, DmarcSummaryRow, TlsReport, TlsSummaryRow } from './reports.ts';
import type { TlsResultRow } from './tls-results.ts';
import type { DmarcResultRow } from './dmarc-results.ts';
import type { ImapMailbox, MailboxCounters, MailboxStatus, SelectSnapshot } from './mailbox-views.ts';
import type { CopyResult, FetchWants, FlagRow, MessageRow, StoreFlagsResult, UidRanges } from './messages.ts';
import type { SearchHit, SortHit, StoreSearchKey } from './search.ts';
import type { ExplainRow, OutboundCaps, OutboundDecision, PendingTraining, ReputationRow, Signal, TokenCounts, TrainingUpdate } from './spam.ts';
import type { SpamClass } from './spam-filing.ts';
import type { ExportRow } from './export.ts';

export type StoreEngine = 'sqlite' | 'postgres';

export interface Store {
  readonly engine: StoreEngine;
  readonly bus: ChangeBus;
  readonly clock: Clock;
  readonly domains: Domains;
  readonly accounts: Accounts;
  readonly aliases: Aliases;
  readonly mailboxes: Mailboxes;
  readonly contents: Contents;
  readonly pop3: Pop3;
  readonly queue: Queue;
  readonly reindex: Reindex;
  readonly spam: Spam;
  readonly sieve: Sieve;
  readonly reports: Reports;
  readonly tlsResults: TlsResults;
  readonly dmarcResults: DmarcResults;
  readonly imapMailboxes: ImapMailboxes;
  readonly imapMessages: ImapMessages;
  readonly imapSearch: ImapSearch;
  /** URLAUTH mailbox access keys (RFC 4467). */
  readonly urlAuthKeys: UrlAuthKeys;
  /** State every node must agree on: leases (locks, session slots), windowed counters, a cache. */
  readonly shared: SharedState;
  /** Names of the migrations this open applied (serve logs them). */
  readonly applied: readonly { version: number; name: string }[];
  /** Stores one message for all its targets in one transaction; resolves once durable. */
  storeMessage(input: StoreInput): Promise<StoredCopy[]>;
  /** Stores several messages in one transaction: all of them or, if any fails, none (MULTIAPPEND). */
  storeMessages(inputs: readonly StoreInput[]): Promise<StoredCopy[][]>;
  /** The next `limit` messages of a mailbox after `afterUid` (export). */
  exportPage(mailboxId: number, afterUid: number, limit: number): Promise<ExportRow[]>;
  /** Creates `name` (and its '/'-separated parents) for the account unless it exists (import). */
  ensureMailbox(accountId: number, name: string): Promise<void>;
  /** False once closed: background jobs stop instead of failing. */
  isOpen(): boolean;
  /** True when a write transaction can commit (for /healthz). */
  writable(): Promise<boolean>;
  /** Engine figures for /metrics (SQLite: WAL size and truncations). */
  storageMetrics(): { walBytes: number; walTruncations: number };
  close(): Promise<void>;
}

export interface Domains {
  add(name: string, keys: DkimKey[]): Promise<DomainRow>;
  list(): Promise<DomainRow[]>;
  find(name: string): Promise<DomainRow | null>;
  /** Removes the domain, its aliases and keys; accounts (with their mail) only when force is set. */
  remove(id: number, force: boolean): Promise<void>;
  dkimKeys(domain: string): Promise<DkimKey[]>;
  isLocal(domain: string): Promise<boolean>;
}

export interface Accounts {
  add(address: string, domainId: number, passwordHash: string): Promise<AccountRow>;
  byId(id: number): Promise<AccountRow | null>;
  byAddress(address: string): Promise<AccountRow | null>;
  list(domainId?: number): Promise<AccountRow[]>;
  setPassword(id: number, passwordHash: string): Promise<void>;
  setQuota(id: number, quotaBytes: number): Promise<void>;
  remove(id: number): Promise<void>;
}

export interface Aliases {
  add(domainId: number, source: string, targets: string[]): Promise<void>;
  list(): Promise<AliasRow[]>;
  targets(source: string): Promise<string[]>;
  /** Removes the alias, or only the named targets of it; returns how many rows went. */
  remove(source: string, targets?: string[]): Promise<number>;
}

export interface Mailboxes {
  list(accountId: number): Promise<MailboxRow[]>;
  find(accountId: number, name: string): Promise<MailboxRow | null>;
}

export interface Contents {
  info(contentId: number): Promise<ContentInfo | null>;
  /** Bytes [start, end) of prefix+raw, reading only the chunks that overlap. */
  range(contentId: number, start: number, end: number): Promise<Buffer>;
  /** The whole message as served (prefix + raw). */
  full(contentId: number): Promise<Buffer>;
  /** The message in pieces (prefix, then each stored chunk), for streaming large messages. */
  pieces(contentId: number): AsyncIterable<Buffer>;
}

export interface Pop3 {
  /** The account's INBOX as it is now, in UID order (RFC 1939 §5 message numbers follow it). */
  snapshot(accountId: number): Promise<Pop3Snapshot | null>;
  /** Remembers RETR sizes computed by the POP3 layer, so later logins skip the computation. */
  recordOctets(sizes: {
  contentId: number;
  octets: number;
  }[]): Promise<void>;
  /** The message as served (prefix, then raw chunks); throws if the content no longer exists. */
  pieces(contentId: number): AsyncIterable<Buffer>;
  /** RFC 1939 §6: removes the marked messages of the maildrop atomically. Returns the UIDs removed. */
  expunge(accountId: number, mailboxId: number, uids: number[]): Promise<number[]>;
}

export interface Queue {
  /** Calls `listener` after each commit that queued new recipients (the worker wakes up on it). */
  onEnqueued(listener: () => void): () => void;
  /**
   * Local copies and queue rows for one accepted message, in one transaction: either every
   * recipient has it (in a mailbox or in the queue) or none does.
   */
  accept(input: AcceptInput, now: number): Promise<{
  copies: StoredCopy[];
  queueMessageId: number | null;
  }>;
  /** Destination domains with recipients due at `now`, soonest first. */
  dueDomains(now: number, limit: number): Promise<string[]>;
  /** Waiting recipients whose next attempt is at or before `at` (not yet claimed by a delivery). */
  countDue(at: number): Promise<number>;
  /** The earliest next_attempt_at of any waiting recipient, or null when the queue is idle. */
  nextDue(): Promise<number | null>;
  /** What is waiting, for the /metrics gauges: recipients by status and when the oldest waiting message was queued (null when none). */
  backlog(): Promise<QueueBacklog>;
  /** Claims up to `limit` due recipients of `domain`: their next attempt moves to `leaseUntil` before this resolves. */
  claimDue(domain: string, now: number, leaseUntil: number, limit: number): Promise<ClaimedRecipient[]>;
  /** Extends the lease of claims still held: each recipient whose next attempt is still at
   *  `leaseUntil` and whose attempts are still as claimed (nobody recorded or claimed it since)
   *  moves to `newLeaseUntil`; returns their ids. */
  renewClaims(claims: readonly Pick<ClaimedRecipient, 'id' | 'attempts'>[], leaseUntil: number, newLeaseUntil: number): Promise<number[]>;
  /**
   * Records outcomes together with the others that arrive within `windowMs`: one commit (one
   * fsync) for a burst of replies instead of one per message. Resolves after that commit.
   */
  recordSoon(outcomes: QueueOutcome[], now: number, windowMs: number): Promise<void>;
  /** Records attempt outcomes; finished messages release their content. */
  record(outcomes: QueueOutcome[], now: number): Promise<void>;
  list(): Promise<QueueMessageRow[]>;
  show(id: number): Promise<QueueMessageRow | null>;
  /** Makes the waiting recipients of message `id` (or of every message) due now. Returns how many. */
  retry(id: number | null, now: number): Promise<number>;
  /** Removes message `id` from the queue without a bounce. */
  delete(id: number): Promise<boolean>;
}

export interface Reindex {
  /** Content rows that IMAP or POP3 can read (queue-only content has no index to refresh). */
  count(): Promise<number>;
  /** The next `limit` content ids after `afterId`. */
  ids(afterId: number, limit: number): Promise<number[]>;
  /** Content ids below this were stored before the full-text index existed (0: all are in it). */
  ftsFloor(): Promise<number>;
  /** Adds content rows stored before the full-text index existed (ids below the floor) to it. */
  indexText(ids: readonly number[], floor: number): Promise<void>;
  /** Every content row is in the full-text index now: SEARCH may rely on it everywhere. */
  ftsComplete(): Promise<void>;
  update(rows: {
  id: number;
  index: ContentIndex;
  }[]): Promise<void>;
}

export interface Spam {
  /** Called after a commit that recorded a filing (the trainer listens). */
  /** `arrival`: only trainings on arrival delivery recorded (the trainer may gather those); else a user's filing. */
  onFiled(listener: (arrival: boolean) => void): () => void;
  /** Filings not yet applied, oldest first. */
  pending(limit: number): Promise<PendingTraining[]>;
  /** The text delivery indexed for a content (decoded headers and body), and its first raw bytes; null once deleted. */
  textOf(contentId: number, rawBytes: number): Promise<{
  headerText: string;
  searchText: string;
  head: Buffer;
  } | null>;
  /** Drops a filing whose message is gone (expunged before the trainer reached it). */
  cancelFiling(p: PendingTraining): Promise<void>;
  /**
   * Applies pending filings in one transaction: each moves its counts from `pending.trained` to `to`
   * and marks the message trained as `to`, summed into one change per token; one whose message was
   * trained meanwhile (or is gone) moves nothing. Returns how many moved.
   */
  applyTrainings(updates: readonly TrainingUpdate[]): Promise<number>;
  tokenCounts(accountId: number, tokens: readonly number[]): Promise<TokenCounts>;
  /** Reputation counters for the given signals, plus 'replied' when the account has written to `from`. */
  reputation(accountId: number, signals: readonly Signal[], from: string | null): Promise<ReputationRow[]>;
  /** True when the account has any message held as ham from this domain (greylisting's exemption). */
  hasHamFrom(accountId: number, domain: string): Promise<boolean>;
  totals(accountId: number): Promise<{
  ham: number;
  spam: number;
  }>;
  /** `spam explain`: what the filter recorded for the messages with this Message-ID. */
  explain(accountId: number, messageId: string): Promise<ExplainRow[]>;
  /** The sender signals recorded with a message at delivery. */
  signalsOf(accountId: number, contentId: number): Promise<Signal[]>;
  /** The account's Rejects mailbox, created unsubscribed on first use. */
  rejectsMailbox(accountId: number): Promise<number>;
  /** Expunges Rejects messages stored before `before` (ms), at most `limit` per call; returns how many. */
  expireRejects(before: number, limit: number): Promise<number>;
  /** Outbound caps: counts one submitted message to `recipients` unless a cap would be exceeded. */
  countOutbound(accountId: number, recipients: readonly string[], caps: OutboundCaps): Promise<OutboundDecision>;
  /** Greylisting: true when the triplet was first seen at least `delayMs` ago (recording it when new). */
  greylistPasses(accountId: number, triplet: string, delayMs: number, keepMs: number): Promise<boolean>;
}

export interface Sieve {
  list(accountId: number): Promise<SieveScriptRow[]>;
  get(accountId: number, name: string): Promise<string | null>;
  /** The active script, or null: what delivery runs. */
  active(accountId: number): Promise<{
  name: string;
  script: string;
  } | null>;
  /** Bytes used by the account's scripts, leaving out `except` (the one about to be replaced). */
  usage(accountId: number, except?: string): Promise<{
  scripts: number;
  bytes: number;
  }>;
  /** Stores (creates or replaces) a script; the caller has compiled it. */
  put(accountId: number, name: string, script: string): Promise<void>;
  /** Makes `name` the active script (RFC 5804 §2.8); null deactivates all. */
  setActive(accountId: number, name: string | null): Promise<void>;
  /** RFC 5804 §2.10: the active script cannot be deleted. */
  delete(accountId: number, name: string): Promise<void>;
  /** RFC 5804 §2.11.1: renaming keeps the active flag; the new name must be free. */
  rename(accountId: number, from: string, to: string): Promise<void>;
  /** RFC 5230 §4.2: true when `sender` got a reply with `handle` that has not expired. */
  vacationRecent(accountId: number, sender: string, handle: string, now: number): Promise<boolean>;
  /**
   * Claims the right to reply: true (and remembered until now + seconds) when no unexpired reply
   * exists, false otherwise. One statement, so two deliveries at once cannot both reply.
   */
  claimVacation(accountId: number, sender: string, handle: string, now: number, seconds: number): Promise<boolean>;
  duplicateSeen(accountId: number, key: string, now: number): Promise<boolean>;
  /** RFC 7352 §3: remember ids after delivery; `refresh` false keeps an unexpired entry's expiry. */
  recordDuplicates(accountId: number, records: {
  key: string;
  seconds: number;
  refresh: boolean;
  }[], now: number): Promise<void>;
}

export interface Reports {
  /** Stores a DMARC aggregate report; false when this reporter's report id was already stored. */
  addDmarc(r: DmarcAggregate, now: number): Promise<boolean>;
  /** Stores a TLS-RPT report; false when this reporter's report id was already stored. */
  addTls(r: TlsReport, now: number): Promise<boolean>;
  dmarcSummary(since: number, domain?: string): Promise<DmarcSummaryRow[]>;
  tlsSummary(since: number, domain?: string): Promise<TlsSummaryRow[]>;
}

export interface TlsResults {
  add(rows: TlsResultRow[]): Promise<void>;
  /** (day, domain) pairs before `beforeDay` with results and no report sent yet. */
  due(beforeDay: number): Promise<{
  day: number;
  domain: string;
  }[]>;
  results(day: number, domain: string): Promise<TlsResultRow[]>;
  markSent(day: number, domain: string, now: number): Promise<void>;
}

/** The DMARC results of received mail, for the aggregate reports we send ([inbound] dmarc_reports). */
export interface DmarcResults {
  /** Adds the counts (rows with the same key add up). */
  add(rows: DmarcResultRow[]): Promise<void>;
  /** (day, policy domain) pairs before `beforeDay` with results and no report sent yet. */
  due(beforeDay: number): Promise<{ day: number; domain: string }[]>;
  results(day: number, domain: string): Promise<DmarcResultRow[]>;
  /** Remembers the report as sent and drops the day's rows for that domain. */
  markSent(day: number, domain: string, now: number): Promise<void>;
}

export interface ImapMailboxes {
  list(accountId: number): Promise<ImapMailbox[]>;
  byName(accountId: number, name: string): Promise<ImapMailbox | null>;
  byId(mailboxId: number): Promise<ImapMailbox | null>;
  counters(mailboxId: number): Promise<MailboxCounters>;
  /** STATUS in one consistent read (with the counters when `counts`); null when the mailbox is gone. */
  status(mailboxId: number, counts: boolean): Promise<MailboxStatus | null>;
  /** Creates `name` and any missing parents (RFC 3501 §6.3.3). */
  create(accountId: number, name: string, specialUse?: string | null): Promise<ImapMailbox>;
  /** Deletes a mailbox and its messages; refuses INBOX and mailboxes with children. */
  delete(accountId: number, name: string): Promise<void>;
  /** Renames a mailbox and its children. Renaming INBOX moves its messages into a new mailbox and
   *  leaves INBOX empty (RFC 3501 §6.3.5). */
  rename(accountId: number, from: string, to: string): Promise<void>;
  /** The account's subscribed names, whether or not such mailboxes exist. */
  subscriptions(accountId: number): Promise<string[]>;
  /** SUBSCRIBE adds the name, UNSUBSCRIBE removes it (false when it was not subscribed). */
  setSubscribed(accountId: number, name: string, subscribed: boolean): Promise<boolean>;
  /** RFC 3501 §2.3.2: a message is \Recent in exactly one session, the first read-write one to see
   *  it. Claims every UID up to `upTo` for the caller and returns the floor it had before (UIDs
   *  above it up to `upTo` are the caller's). Committed, so it holds across restarts. */
  claimRecent(mailboxId: number, upTo: number): Promise<number>;
  /** SELECT (claim = true: also claims \Recent up to the last UID, RFC 3501 §2.3.2) or EXAMINE
   *  (claim = false): mailbox, UIDs, first unseen, keywords and the \Recent floor in one consistent
   *  read; null when there is no such mailbox. */
  selectSnapshot(accountId: number, name: string, claim: boolean): Promise<SelectSnapshot | null>;
  /** The claimed-recent floor without claiming (EXAMINE, STATUS). */
  recentFloor(mailboxId: number): Promise<number>;
  /** The account's quota (0 = unlimited) and usage, in bytes. */
  quota(accountId: number): Promise<{
  limit: number;
  used: number;
  }>;
}

export interface ImapMessages {
  /** Every UID of the mailbox, ascending: the sequence-number order of a new session view. */
  uids(mailboxId: number): Promise<number[]>;
  /** UIDs greater than `after`, ascending (new messages for a session view). */
  uidsAfter(mailboxId: number, after: number): Promise<number[]>;
  firstUnseenUid(mailboxId: number): Promise<number | null>;
  /** Keywords used in the mailbox (for the FLAGS response of SELECT). */
  keywordsIn(mailboxId: number): Promise<string[]>;
  /** Flags of messages changed after `modseq` (CONDSTORE/QRESYNC resync), ascending by UID. */
  changedSince(mailboxId: number, modseq: number): Promise<FlagRow[]>;
  /** Up to `limit` rows with uidFrom ≤ uid ≤ uidTo, ascending; only rows changed after
   *  `changedSince` when it is given (RFC 7162 CHANGEDSINCE). A page with message bytes
   *  (wants.content) may end early, its bytes bounded (IMAP_FETCH_CONTENT_PAGE_BYTES or _SIZE
   *  rows): the caller continues after its last row. */
  fetchPage(mailboxId: number, uidFrom: number, uidTo: number, limit: number, wants: FetchWants, changedSince?: number | null): Promise<MessageRow[]>;
  /** fetchPage for a FETCH that wants only UID, FLAGS and MODSEQ: the same rows with only those
   *  columns (the query that serves a client's flag resync of a whole mailbox). */
  flagPage(mailboxId: number, uidFrom: number, uidTo: number, limit: number, changedSince?: number | null): Promise<FlagRow[]>;
  /** Bytes [start, end) of a stored message (prefix + raw), reading only the chunks needed. */
  readRange(contentId: number, start: number, end: number): Promise<Buffer>;
  /** Current flags of UIDs within the ranges (for unsolicited FETCH after others' changes). */
  flagsIn(mailboxId: number, ranges: UidRanges): Promise<FlagRow[]>;
  /** STORE: add, remove or replace flags on the messages in `ranges`. Large sets are changed in
   *  pages of IMAP_STORE_PAGE_SIZE messages, each its own transaction with its own MODSEQ, so one
   *  command never holds the event loop for long (RFC 7162 lets each message get any higher MODSEQ). */
  storeFlags(accountId: number, mailboxId: number, ranges: UidRanges, mode: 'add' | 'remove' | 'replace', flags: readonly string[], unchangedSince: number | null): Promise<StoreFlagsResult>;
  /** Sets \Seen on UIDs that lack it (FETCH BODY[] without PEEK, RFC 3501 §6.4.5), in one
   *  transaction; returns the rows it changed. */
  markSeen(accountId: number, mailboxId: number, uids: readonly number[]): Promise<FlagRow[]>;
  /** Removes \Deleted messages (within `ranges` when given: UID EXPUNGE, RFC 4315 §2.1). */
  expunge(accountId: number, mailboxId: number, ranges: UidRanges | null): Promise<{
  uids: number[];
  modseq: number;
  }>;
  /** COPY: new rows in the destination with the same flags, sharing the stored content. */
  copy(accountId: number, fromId: number, ranges: UidRanges, toId: number): Promise<CopyResult>;
  /** The spam filter learns from filing (src/store/spam-filing.ts): recorded in the same transaction as the move or copy. */
  /** MOVE (RFC 6851): the rows change mailbox and UID in place; tombstones stay in the source. */
  move(accountId: number, fromId: number, ranges: UidRanges, toId: number): Promise<CopyResult & {
  modseq: number;
  }>;
  /** RFC 7162 §3.2.5.1: UIDs expunged after `modseq`, within `ranges`. */
  vanishedSince(mailboxId: number, modseq: number, ranges: UidRanges | null): Promise<number[]>;
}

export interface ImapSearch {
  /** UIDs (with their MODSEQ) of the mailbox's messages that match, ascending. */
  search(mailboxId: number, key: StoreSearchKey): Promise<SearchHit[]>;
  /** The matching messages with their sort and thread keys, ascending by UID. */
  searchForSort(mailboxId: number, key: StoreSearchKey): Promise<SortHit[]>;
}

/**
 * URLAUTH mailbox access keys (RFC 4467 §7): one random key per mailbox of an account. A key
 * belongs to one incarnation of a mailbox (its UIDVALIDITY): a recreated mailbox has none until
 * the next GENURLAUTH, and a deleted mailbox or account takes its keys with it.
 */
export interface UrlAuthKeys {
  /** The mailbox's key, or null when it has none (never made, reset, or another incarnation). */
  key(accountId: number, mailboxId: number, uidValidity: number): Promise<Buffer | null>;
  /** The mailbox's key, made from `fresh` when it has none yet; two callers at once get the same
   *  key. Null when there is no such mailbox of the account (any more). */
  ensure(accountId: number, mailboxId: number, uidValidity: number, fresh: Buffer): Promise<Buffer | null>;
  /** RESETKEY with a mailbox: its key becomes `fresh`; false when there is no such mailbox. */
  replace(accountId: number, mailboxId: number, uidValidity: number, fresh: Buffer): Promise<boolean>;
  /** RESETKEY without one: removes every key of the account; returns how many went. */
  removeAll(accountId: number): Promise<number>;
}

/** A place taken under a lease name; renewed by its node while held, expiring if the node dies. */
export interface Lease {
  /** Gives the place back (once; later calls do nothing). */
  release(): Promise<void>;
}

/**
 * What was per process and must hold across nodes (issue 14): the POP3 maildrop lock, IMAP
 * session slots, the login throttle, the hourly send counters, the MTA-STS policy cache. Times
 * come from the store's clock.
 */
export interface SharedState {
  /** Takes one of `capacity` places under `name` (1: a lock); null when all are held. The node
   *  renews its leases every SHARED_LEASE_RENEW_MS while held; a dead node's expire after
   *  SHARED_LEASE_TTL_MS. */
  acquire(name: string, capacity: number): Promise<Lease | null>;
  /** Adds `n` to the counter `name`, counted for `windowMs` (in buckets of windowMs/SHARED_COUNTER_BUCKETS);
   *  returns the counter's total over its window, this add included. */
  countAdd(name: string, n: number, windowMs: number): Promise<number>;
  /** Adds 1 unless the counter already holds `limit` within its window; true when it added. */
  countAddWithin(name: string, windowMs: number, limit: number): Promise<boolean>;
  /** Each counter's total over its window (0 for an unknown name), in the order of `names`. */
  countSum(names: readonly string[]): Promise<number[]>;
  countReset(name: string): Promise<void>;
  /** The cached values of `names` that have not expired (null otherwise), in order. */
  cacheGet(names: readonly string[]): Promise<(string | null)[]>;
  cachePut(name: string, value: string, ttlMs: number): Promise<void>;
}
