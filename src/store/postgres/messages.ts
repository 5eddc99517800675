// The PostgreSQL engine's imap-messages area (the interface is ImapMessages in src/store/api.ts),
// ported statement by statement from src/store/sqlite/messages.ts: UID lists, FETCH pages (small
// messages' bytes in the same query), STORE in pages, \Seen on FETCH, EXPUNGE with tombstones,
// COPY and MOVE (with the spam filing they cause), and changes since a MODSEQ for CONDSTORE and
// QRESYNC. Always true: every write first locks the account row (its MODSEQ counter; PG.md lock
// order), which orders all writers of the account's messages on every node, so what a write read
// under that lock stays true until it commits; then mailboxes (ascending id), then messages, then
// contents. UID sets are bound as arrays of range bounds, one statement per step, never a loop of
// statements per message.
import type { ImapMessages } from '../api.ts';
import type { CopyResult, FetchWants, FlagRow, MessageRow, StoreFlagsResult, UidRanges } from '../messages.ts';
import { distinctKeywords } from '../mailbox-views.ts';
import { OverQuotaError } from '../delivery.ts';
import { flagChange } from '../flags.ts';
import { BLOB_CHUNK_SIZE, IMAP_FETCH_CONTENT_PAGE_SIZE, IMAP_STORE_PAGE_SIZE } from '../../limits.ts';
import { mentionsJunkKeywords } from '../spam-filing.ts';
import type { Tx } from './connect.ts';
import type { PgContext } from './context.ts';
import { readContentRange } from './contents.ts';
import { allocateModseq, allocateUids, keywordLists, releaseMessages, tombstone } from './message-rows.ts';
import { filingClassBetween, recordFiling, recordKeywordFilings } from './spam-filing.ts';

const SEEN = 1;
const DELETED = 8;
const ALL: UidRanges = [[1, Number.MAX_SAFE_INTEGER]];

type Row = { id: number; uid: number; contentId: number; flags: number; keywords: string; internalDate: number; size: number; emailId: string };

function flagRow(r: FlagRow): FlagRow {
  return { uid: r.uid, flags: r.flags, keywords: r.keywords, modseq: r.modseq };
}

/** The ranges as two bound arrays (low and high bounds) for `unnest(…) AS r(a, b)`. */
function bounds(tx: Tx, ranges: UidRanges) {
  return { lo: tx.array(ranges.map((r) => r[0])), hi: tx.array(ranges.map((r) => r[1])) };
}

/** Locks the account row: the first lock of every write (PG.md), returns its quota and usage. */
async function lockAccount(tx: Tx, accountId: number): Promise<{ quota: number; used: number; modseq: number }> {
  const [a] = await tx<{ quota: number; used: number; modseq: number }[]>`SELECT quota_bytes AS quota, used_bytes AS used, modseq
    FROM accounts WHERE id = ${accountId} FOR UPDATE`;
  if (!a) throw new Error(`account ${accountId} does not exist`);
  return a;
}

/** The rows of a mailbox within the ranges, ascending by UID. */
async function rowsIn(tx: Tx, mailboxId: number, ranges: UidRanges, deletedOnly = false): Promise<Row[]> {
  if (ranges.length === 0) return [];
  const { lo, hi } = bounds(tx, ranges);
  const rows = await tx<Row[]>`SELECT m.id, m.uid, m.content_id AS "contentId", m.flags, m.keywords, m.internal_date AS "internalDate", m.size, m.email_id AS "emailId"
    FROM unnest(${lo}::bigint[], ${hi}::bigint[]) AS r(a, b) JOIN messages m ON m.mailbox_id = ${mailboxId} AND m.uid BETWEEN r.a AND r.b
    ${deletedOnly ? tx`WHERE (m.flags & ${DELETED}) <> 0` : tx``} ORDER BY m.uid`;
  return rows.map((r) => ({ ...r }));
}

async function uidValidityOf(tx: Tx, mailboxId: number): Promise<number> {
  const [r] = await tx<{ uidValidity: number }[]>`SELECT uid_validity AS "uidValidity" FROM mailboxes WHERE id = ${mailboxId}`;
  return r!.uidValidity;
}

/** One STORE page's outcome (computed inside its transaction, applied after it committed). */
interface StorePage { rows: (FlagRow & { changed: boolean })[]; modified: number[]; modseq: number; next: number | null; filed: boolean }

export class PgImapMessages implements ImapMessages {
  private readonly ctx: PgContext;
  /** Called after a commit that recorded a filing (the spam trainer of this node listens). */
  private readonly filed: () => void;

  constructor(ctx: PgContext, filed: () => void = () => {}) {
    this.ctx = ctx;
    this.filed = filed;
  }

  /** Every UID of the mailbox, ascending: the sequence-number order of a new session view. */
  async uids(mailboxId: number): Promise<number[]> {
    const rows = await this.ctx.sql<{ uid: number }[]>`SELECT uid FROM messages WHERE mailbox_id = ${mailboxId} ORDER BY uid`;
    return rows.map((r) => r.uid);
  }

  /** UIDs greater than `after`, ascending (new messages for a session view). */
  async uidsAfter(mailboxId: number, after: number): Promise<number[]> {
    const rows = await this.ctx.sql<{ uid: number }[]>`SELECT uid FROM messages WHERE mailbox_id = ${mailboxId} AND uid > ${after} ORDER BY uid`;
    return rows.map((r) => r.uid);
  }

  async firstUnseenUid(mailboxId: number): Promise<number | null> {
    const [r] = await this.ctx.sql<{ uid: number | null }[]>`SELECT min(uid) AS uid FROM messages WHERE mailbox_id = ${mailboxId} AND (flags & ${SEEN}) = 0`;
    return r?.uid ?? null;
  }

  /** Keywords used in the mailbox (for the FLAGS response of SELECT). */
  async keywordsIn(mailboxId: number): Promise<string[]> {
    return distinctKeywords(await keywordLists(this.ctx.sql, mailboxId));
  }

  /** Flags of messages changed after `modseq` (CONDSTORE/QRESYNC resync), ascending by UID. */
  async changedSince(mailboxId: number, modseq: number): Promise<FlagRow[]> {
    const rows = await this.ctx.sql<FlagRow[]>`SELECT uid, flags, keywords, modseq FROM messages
      WHERE mailbox_id = ${mailboxId} AND modseq > ${modseq} ORDER BY uid`;
    return rows.map(flagRow);
  }

  /** Messages with a UID above `uid` (STATUS RECENT counts those no session has seen). */
  /** Up to `limit` rows with uidFrom ≤ uid ≤ uidTo, ascending; only rows changed after
   *  `changedSince` when it is given (RFC 7162 CHANGEDSINCE); with message bytes at most
   *  IMAP_FETCH_CONTENT_PAGE_SIZE rows (the result arrives whole). One statement, so the rows and
   *  their content agree even while other nodes expunge. */
  async fetchPage(mailboxId: number, uidFrom: number, uidTo: number, limit: number, wants: FetchWants, changedSince: number | null = null): Promise<MessageRow[]> {
    const sql = this.ctx.sql;
    const needsContents = wants.envelope || wants.bodyStructure || wants.body || wants.mimeTree || wants.content;
    const rows = await sql<(MessageRow & { prefix?: Buffer; chunk?: Buffer | null; rawSize?: number })[]>`
      SELECT m.uid, m.modseq, m.flags, m.keywords, m.internal_date AS "internalDate", m.size, m.content_id AS "contentId"
        ${wants.envelope ? sql`, c.envelope` : sql``}
        ${wants.bodyStructure ? sql`, c.body_structure AS "bodyStructure"` : sql``}
        ${wants.body ? sql`, c.body` : sql``}
        ${wants.mimeTree ? sql`, c.mime_tree AS "mimeTree"` : sql``}
        ${wants.saveDate ? sql`, m.save_date AS "saveDate"` : sql``}
        ${wants.emailId ? sql`, m.email_id AS "emailId"` : sql``}
        ${wants.content ? sql`, c.prefix, c.size - length(c.prefix) AS "rawSize",
          CASE WHEN c.size - length(c.prefix) <= ${BLOB_CHUNK_SIZE} THEN k.data END AS chunk` : sql``}
      FROM messages m
        ${needsContents ? sql`JOIN contents c ON c.id = m.content_id` : sql``}
        ${wants.content ? sql`LEFT JOIN blob_chunks k ON k.blob_id = c.blob_id AND k.seq = 0` : sql``}
      WHERE m.mailbox_id = ${mailboxId} AND m.uid BETWEEN ${uidFrom} AND ${uidTo}
        ${changedSince !== null ? sql`AND m.modseq > ${changedSince}` : sql``}
      ORDER BY m.uid LIMIT ${wants.content ? Math.min(limit, IMAP_FETCH_CONTENT_PAGE_SIZE) : limit}`;
    return rows.map((r) => {
      const out: MessageRow = { uid: r.uid, modseq: r.modseq, flags: r.flags, keywords: r.keywords, internalDate: r.internalDate, size: r.size, contentId: r.contentId };
      if (wants.envelope) out.envelope = r.envelope!;
      if (wants.bodyStructure) out.bodyStructure = r.bodyStructure!;
      if (wants.body) out.body = r.body!;
      if (wants.mimeTree) out.mimeTree = r.mimeTree!;
      if (wants.saveDate) out.saveDate = r.saveDate!;
      if (wants.emailId) out.emailId = r.emailId!;
      if (wants.content) {
        if (r.rawSize! <= BLOB_CHUNK_SIZE) {
          const chunk = r.chunk ?? Buffer.alloc(0);
          out.bytes = r.prefix!.length > 0 ? Buffer.concat([r.prefix!, chunk]) : chunk;
        } else {
          out.bytes = null;
        }
      }
      return out;
    });
  }

  /** fetchPage with only the flag columns (FETCH of UID, FLAGS and MODSEQ only). */
  async flagPage(mailboxId: number, uidFrom: number, uidTo: number, limit: number, changedSince: number | null = null): Promise<FlagRow[]> {
    const sql = this.ctx.sql;
    const rows = await sql<FlagRow[]>`SELECT uid, flags, keywords, modseq FROM messages
      WHERE mailbox_id = ${mailboxId} AND uid BETWEEN ${uidFrom} AND ${uidTo}
        ${changedSince !== null ? sql`AND modseq > ${changedSince}` : sql``}
      ORDER BY uid LIMIT ${limit}`;
    return rows.map(flagRow);
  }

  /** Bytes [start, end) of a stored message (prefix + raw), reading only the chunks needed. */
  async readRange(contentId: number, start: number, end: number): Promise<Buffer> {
    return readContentRange(this.ctx.sql, contentId, start, end);
  }

  /** Current flags of UIDs within the ranges (for unsolicited FETCH after others' changes). */
  async flagsIn(mailboxId: number, ranges: UidRanges): Promise<FlagRow[]> {
    if (ranges.length === 0) return [];
    const sql = this.ctx.sql;
    const lo = sql.array(ranges.map((r) => r[0]));
    const hi = sql.array(ranges.map((r) => r[1]));
    const rows = await sql<FlagRow[]>`SELECT m.uid, m.flags, m.keywords, m.modseq
      FROM unnest(${lo}::bigint[], ${hi}::bigint[]) AS r(a, b) JOIN messages m ON m.mailbox_id = ${mailboxId} AND m.uid BETWEEN r.a AND r.b
      ORDER BY m.uid`;
    return rows.map(flagRow);
  }

  /** STORE: add, remove or replace flags on the messages in `ranges`. Large sets are changed in
   *  pages of IMAP_STORE_PAGE_SIZE messages, each its own transaction with its own MODSEQ, so one
   *  command never holds the account's lock for long (RFC 7162 lets each message get any higher MODSEQ). */
  async storeFlags(accountId: number, mailboxId: number, ranges: UidRanges, mode: 'add' | 'remove' | 'replace', flags: readonly string[], unchangedSince: number | null): Promise<StoreFlagsResult> {
    const change = flagChange(mode, flags);
    const { keywords } = change;
    const junkKeywords = mentionsJunkKeywords(keywords);
    const result: StoreFlagsResult = { rows: [], modified: [], modseqs: [] };
    let from: number | null = ranges.length > 0 ? ranges[0]![0] : null;
    while (from !== null) {
      const start: number = from;
      // The page is computed and written inside the transaction and only applied after COMMIT:
      // a transaction retried after a deadlock starts again from the same place.
      const page = await this.ctx.write(async (tx, publish): Promise<StorePage> => {
        await lockAccount(tx, accountId);
        const { lo, hi } = bounds(tx, ranges);
        const rows = await tx<(FlagRow & { contentId: number })[]>`SELECT m.uid, m.flags, m.keywords, m.modseq, m.content_id AS "contentId"
          FROM unnest(${lo}::bigint[], ${hi}::bigint[]) AS r(a, b)
          JOIN messages m ON m.mailbox_id = ${mailboxId} AND m.uid BETWEEN GREATEST(r.a, ${start}) AND r.b
          ORDER BY m.uid LIMIT ${IMAP_STORE_PAGE_SIZE}`;
        const next = rows.length === IMAP_STORE_PAGE_SIZE ? rows[rows.length - 1]!.uid + 1 : null;
        const out: (FlagRow & { changed: boolean })[] = [];
        const modified: number[] = [];
        const changed: { uid: number; flags: number; keywords: string }[] = [];
        const keywordChanges: { contentId: number; before: string; after: string }[] = [];
        for (const r of rows) {
          if (unchangedSince !== null && r.modseq > unchangedSince) {
            modified.push(r.uid);
            continue;
          }
          const { bits: newBits, keywords: newKw } = change.apply(r.flags, r.keywords);
          if (newBits !== r.flags || newKw !== r.keywords) {
            changed.push({ uid: r.uid, flags: newBits, keywords: newKw });
            if (junkKeywords && newKw !== r.keywords) keywordChanges.push({ contentId: r.contentId, before: r.keywords, after: newKw });
            out.push({ uid: r.uid, flags: newBits, keywords: newKw, modseq: 0, changed: true });
          } else {
            out.push({ uid: r.uid, flags: r.flags, keywords: r.keywords, modseq: r.modseq, changed: false });
          }
        }
        if (changed.length === 0) return { rows: out, modified, modseq: 0, next, filed: false };
        // The account is locked, so this is the value after the one it held when the page was read.
        const modseq = await allocateModseq(tx, accountId);
        for (const o of out) if (o.changed) o.modseq = modseq;
        await tx`UPDATE mailboxes SET highest_modseq = ${modseq} WHERE id = ${mailboxId}`;
        await tx`UPDATE messages m SET flags = x.flags, keywords = x.keywords, modseq = ${modseq}
          FROM unnest(${tx.array(changed.map((c) => c.uid))}::bigint[], ${tx.array(changed.map((c) => c.flags))}::bigint[],
            ${tx.array(changed.map((c) => c.keywords))}::text[]) AS x(uid, flags, keywords)
          WHERE m.mailbox_id = ${mailboxId} AND m.uid = x.uid`;
        publish({ accountId, mailboxId, kind: 'flags', uids: changed.map((c) => c.uid), modseq });
        if (keywordChanges.length > 0) await recordKeywordFilings(tx, accountId, keywordChanges, this.ctx.clock.now());
        return { rows: out, modified, modseq, next, filed: keywordChanges.length > 0 };
      });
      for (const r of page.rows) result.rows.push(r);
      for (const u of page.modified) result.modified.push(u);
      if (page.modseq > 0) result.modseqs.push(page.modseq);
      from = page.next;
      if (page.filed) this.filed();
    }
    return result;
  }

  /** Sets \Seen on UIDs that lack it (FETCH BODY[] without PEEK, RFC 3501 §6.4.5), in one
   *  transaction; returns the rows it changed. */
  async markSeen(accountId: number, mailboxId: number, uids: readonly number[]): Promise<FlagRow[]> {
    if (uids.length === 0) return [];
    return this.ctx.write(async (tx, publish) => {
      const modseq = await allocateModseq(tx, accountId);
      const rows = (await tx<FlagRow[]>`UPDATE messages SET flags = flags | ${SEEN}, modseq = ${modseq}
        WHERE mailbox_id = ${mailboxId} AND uid = ANY(${tx.array([...uids])}::bigint[]) AND (flags & ${SEEN}) = 0
        RETURNING uid, flags, keywords, modseq`).map(flagRow);
      if (rows.length === 0) return rows;
      rows.sort((x, y) => x.uid - y.uid);
      await tx`UPDATE mailboxes SET highest_modseq = ${modseq} WHERE id = ${mailboxId}`;
      publish({ accountId, mailboxId, kind: 'flags', uids: rows.map((r) => r.uid), modseq });
      return rows;
    });
  }

  /** Removes \Deleted messages (within `ranges` when given: UID EXPUNGE, RFC 4315 §2.1). */
  async expunge(accountId: number, mailboxId: number, ranges: UidRanges | null): Promise<{ uids: number[]; modseq: number }> {
    return this.ctx.write(async (tx, publish) => {
      await lockAccount(tx, accountId);
      const rows = await rowsIn(tx, mailboxId, ranges ?? ALL, true);
      if (rows.length === 0) return { uids: [], modseq: 0 };
      const uids = rows.map((r) => r.uid);
      const modseq = await tombstone(tx, accountId, mailboxId, uids);
      await releaseMessages(tx, accountId, rows);
      publish({ accountId, mailboxId, kind: 'expunge', uids, modseq });
      return { uids, modseq };
    });
  }

  /** COPY: new rows in the destination with the same flags, sharing the stored content. */
  async copy(accountId: number, fromId: number, ranges: UidRanges, toId: number): Promise<CopyResult> {
    let filed = false;
    const result = await this.ctx.write(async (tx, publish) => {
      filed = false;
      const account = await lockAccount(tx, accountId);
      const rows = await rowsIn(tx, fromId, ranges);
      const uidValidity = await uidValidityOf(tx, toId);
      if (rows.length === 0) return { uidValidity, sourceUids: [], destinationUids: [] };
      const bytes = rows.reduce((n, r) => n + r.size, 0);
      if (account.quota > 0 && account.used + bytes > account.quota) throw new OverQuotaError(accountId);
      const modseq = await allocateModseq(tx, accountId);
      await tx`UPDATE accounts SET used_bytes = used_bytes + ${bytes} WHERE id = ${accountId}`;
      const first = await allocateUids(tx, toId, rows.length, modseq);
      const destinationUids = rows.map((_, i) => first + i);
      // RFC 8474 §5.1: a copy keeps the EMAILID; RFC 8514 §2: its save date is the time of the copy.
      await tx`INSERT INTO messages (mailbox_id, uid, modseq, content_id, flags, keywords, internal_date, size, save_date, email_id)
        SELECT ${toId}, x.uid, ${modseq}, x.content_id, x.flags, x.keywords, x.internal_date, x.size, ${this.ctx.clock.now()}, x.email_id
        FROM unnest(${tx.array(destinationUids)}::bigint[], ${tx.array(rows.map((r) => r.contentId))}::bigint[],
          ${tx.array(rows.map((r) => r.flags))}::bigint[], ${tx.array(rows.map((r) => r.keywords))}::text[],
          ${tx.array(rows.map((r) => r.internalDate))}::bigint[], ${tx.array(rows.map((r) => r.size))}::bigint[],
          ${tx.array(rows.map((r) => r.emailId))}::text[])
          AS x(uid, content_id, flags, keywords, internal_date, size, email_id)`;
      // One reference more per copy, contents locked in ascending id (two copies may share one).
      const counts = new Map<number, number>();
      for (const r of rows) counts.set(r.contentId, (counts.get(r.contentId) ?? 0) + 1);
      const ids = [...counts.keys()].sort((a, b) => a - b);
      await tx`UPDATE contents c SET refcount = c.refcount + x.n
        FROM unnest(${tx.array(ids)}::bigint[], ${tx.array(ids.map((id) => counts.get(id)!))}::bigint[]) AS x(id, n) WHERE c.id = x.id`;
      filed = await this.recordMoveFiling(tx, accountId, fromId, toId, rows);
      publish({ accountId, mailboxId: toId, kind: 'append', uids: destinationUids, modseq });
      return { uidValidity, sourceUids: rows.map((r) => r.uid), destinationUids };
    });
    if (filed) this.filed();
    return result;
  }

  /** The spam filter learns from filing (src/store/spam-filing.ts): recorded in the same transaction as the move or copy. */
  private async recordMoveFiling(tx: Tx, accountId: number, fromId: number, toId: number, rows: readonly { contentId: number }[]): Promise<boolean> {
    const cls = await filingClassBetween(tx, accountId, fromId, toId);
    if (!cls) return false;
    await recordFiling(tx, accountId, rows.map((r) => r.contentId), cls, this.ctx.clock.now());
    return true;
  }

  /** MOVE (RFC 6851): the rows change mailbox and UID in place; tombstones stay in the source. */
  async move(accountId: number, fromId: number, ranges: UidRanges, toId: number): Promise<CopyResult & { modseq: number }> {
    let filed = false;
    const result = await this.ctx.write(async (tx, publish) => {
      filed = false;
      await lockAccount(tx, accountId);
      const rows = await rowsIn(tx, fromId, ranges);
      const uidValidity = await uidValidityOf(tx, toId);
      if (rows.length === 0) return { uidValidity, sourceUids: [], destinationUids: [], modseq: 0 };
      await tx`SELECT id FROM mailboxes WHERE id = ANY(${tx.array([fromId, toId])}::bigint[]) ORDER BY id FOR UPDATE`;
      const sourceUids = rows.map((r) => r.uid);
      const modseq = await tombstone(tx, accountId, fromId, sourceUids);
      const first = await allocateUids(tx, toId, rows.length, modseq);
      const destinationUids = rows.map((_, i) => first + i);
      // The row (and its EMAILID, RFC 8474 §5.1) stays; RFC 8514 §2: the save date is the move's.
      await tx`UPDATE messages m SET mailbox_id = ${toId}, uid = x.uid, modseq = ${modseq}, save_date = ${this.ctx.clock.now()}
        FROM unnest(${tx.array(rows.map((r) => r.id))}::bigint[], ${tx.array(destinationUids)}::bigint[]) AS x(id, uid) WHERE m.id = x.id`;
      filed = await this.recordMoveFiling(tx, accountId, fromId, toId, rows);
      publish({ accountId, mailboxId: toId, kind: 'append', uids: destinationUids, modseq });
      publish({ accountId, mailboxId: fromId, kind: 'expunge', uids: sourceUids, modseq });
      return { uidValidity, sourceUids, destinationUids, modseq };
    });
    if (filed) this.filed();
    return result;
  }

  /** RFC 7162 §3.2.5.1: UIDs expunged after `modseq`, within `ranges`. */
  async vanishedSince(mailboxId: number, modseq: number, ranges: UidRanges | null): Promise<number[]> {
    const sql = this.ctx.sql;
    const r = ranges ?? ALL;
    if (r.length === 0) return [];
    const rows = await sql<{ uid: number }[]>`SELECT v.uid FROM unnest(${sql.array(r.map((x) => x[0]))}::bigint[], ${sql.array(r.map((x) => x[1]))}::bigint[]) AS r(a, b)
      JOIN vanished v ON v.mailbox_id = ${mailboxId} AND v.modseq > ${modseq} AND v.uid BETWEEN r.a AND r.b ORDER BY v.uid`;
    return rows.map((x) => x.uid);
  }
}
