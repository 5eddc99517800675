// Message operations IMAP needs: the UID list of a mailbox, pages of message rows for FETCH (with
// the precomputed envelope/body structure and, for small messages, the bytes in the same query),
// flag updates (STORE, \Seen on FETCH), EXPUNGE with tombstones, COPY and MOVE, and the changes
// since a MODSEQ for CONDSTORE/QRESYNC. Always true: every write allocates its MODSEQ and UIDs in
// its own transaction, writes tombstones for what it removes, and publishes after commit.
import type { SqliteStore } from './store.ts';
import type { Db } from './open.ts';
import type { Statement } from 'better-sqlite3';
import { BLOB_CHUNK_SIZE, IMAP_FETCH_CONTENT_PAGE_BYTES, IMAP_STORE_PAGE_SIZE } from '../../limits.ts';
import { FLAG_BITS, flagChange } from '../flags.ts';
import { OverQuotaError } from '../delivery.ts';
import { allocateModseq, allocateUids, keywordLists, releaseMessages, tombstone } from './message-rows.ts';
import { stmt } from './statements.ts';
import { filingClassBetween, recordFiling, recordKeywordFilings } from './spam.ts';
import { mentionsJunkKeywords } from '../spam-filing.ts';
import type { ImapMessages } from '../api.ts';
import { distinctKeywords } from '../mailbox-views.ts';
import type { CopyResult, FetchWants, FlagRow, MessageRow, StoreFlagsResult, UidRanges } from '../messages.ts';

const DELETED = FLAG_BITS['\\Deleted'];

export class ImapMessageStore implements ImapMessages {
  private readonly store: SqliteStore;
  private readonly db: Db;
  private readonly uidsStmt;
  private readonly flagsRangeStmt;
  private readonly flagsPageStmt;
  private readonly flagPageStmt;
  private readonly flagPageSinceStmt;
  private readonly updateFlagsStmt;
  private readonly markSeenStmt;
  private readonly uidsAfterStmt;
  private readonly firstUnseenStmt;
  private readonly vanishedStmt;
  /** fetchPage statements by column set: a handful of shapes, prepared once each. */
  private readonly pageStmts = new Map<string, Statement<unknown[]>>();

  constructor(store: SqliteStore) {
    this.store = store;
    this.db = store.db;
    this.uidsStmt = this.db.prepare('SELECT uid FROM messages WHERE mailbox_id = ? ORDER BY uid').pluck();
    this.flagsRangeStmt = this.db.prepare('SELECT uid, flags, keywords, modseq FROM messages WHERE mailbox_id = ? AND uid BETWEEN ? AND ? ORDER BY uid');
    this.flagsPageStmt = this.db.prepare('SELECT uid, flags, keywords, modseq FROM messages WHERE mailbox_id = ? AND uid BETWEEN ? AND ? ORDER BY uid LIMIT ?');
    this.flagPageStmt = this.db.prepare('SELECT uid, modseq, flags, keywords FROM messages WHERE mailbox_id = ? AND uid BETWEEN ? AND ? ORDER BY uid LIMIT ?');
    this.flagPageSinceStmt = this.db.prepare('SELECT uid, modseq, flags, keywords FROM messages WHERE mailbox_id = ? AND uid BETWEEN ? AND ? AND modseq > ? ORDER BY uid LIMIT ?');
    this.markSeenStmt = this.db.prepare(`UPDATE messages SET flags = flags | ${FLAG_BITS['\\Seen']}, modseq = ?
      WHERE mailbox_id = ? AND uid IN (SELECT value FROM json_each(?)) AND (flags & ${FLAG_BITS['\\Seen']}) = 0
      RETURNING uid, flags, keywords, modseq`);
    this.updateFlagsStmt = this.db.prepare('UPDATE messages SET flags = ?, keywords = ?, modseq = ? WHERE mailbox_id = ? AND uid = ?');
    this.uidsAfterStmt = this.db.prepare('SELECT uid FROM messages WHERE mailbox_id = ? AND uid > ? ORDER BY uid').pluck();
    this.firstUnseenStmt = this.db.prepare('SELECT min(uid) FROM messages WHERE mailbox_id = ? AND (flags & 1) = 0').pluck();
    this.vanishedStmt = this.db.prepare('SELECT uid FROM vanished WHERE mailbox_id = ? AND modseq > ? AND uid BETWEEN ? AND ? ORDER BY uid').pluck();
  }

  /** Every UID of the mailbox, ascending: the sequence-number order of a new session view. */
  async uids(mailboxId: number): Promise<number[]> {
    return this.uidsStmt.all(mailboxId) as number[];
  }

  /** UIDs greater than `after`, ascending (new messages for a session view). */
  async uidsAfter(mailboxId: number, after: number): Promise<number[]> {
    return this.uidsAfterStmt.all(mailboxId, after) as number[];
  }

  async firstUnseenUid(mailboxId: number): Promise<number | null> {
    const r = this.firstUnseenStmt.get(mailboxId) as number | null;
    return r ?? null;
  }

  /** Keywords used in the mailbox (for the FLAGS response of SELECT). */
  async keywordsIn(mailboxId: number): Promise<string[]> {
    return distinctKeywords(keywordLists(this.db, mailboxId));
  }

  /** Flags of messages changed after `modseq` (CONDSTORE/QRESYNC resync), ascending by UID. */
  async changedSince(mailboxId: number, modseq: number): Promise<FlagRow[]> {
    return stmt(this.db, 'SELECT uid, flags, keywords, modseq FROM messages WHERE mailbox_id = ? AND modseq > ? ORDER BY uid').all(mailboxId, modseq) as FlagRow[];
  }

  /** Up to `limit` rows with uidFrom ≤ uid ≤ uidTo, ascending; only rows changed after
   *  `changedSince` when it is given (RFC 7162 CHANGEDSINCE). With message bytes, the page ends
   *  after the row whose bytes reach IMAP_FETCH_CONTENT_PAGE_BYTES. */
  async fetchPage(mailboxId: number, uidFrom: number, uidTo: number, limit: number, wants: FetchWants, changedSince: number | null = null): Promise<MessageRow[]> {
    const cols = ['m.uid', 'm.modseq', 'm.flags', 'm.keywords', 'm.internal_date AS internalDate', 'm.size', 'm.content_id AS contentId'];
    let join = '';
    if (wants.envelope) cols.push('c.envelope');
    if (wants.bodyStructure) cols.push('c.body_structure AS bodyStructure');
    if (wants.body) cols.push('c.body');
    if (wants.mimeTree) cols.push('c.mime_tree AS mimeTree');
    if (wants.saveDate) cols.push('m.save_date AS saveDate');
    if (wants.emailId) cols.push('m.email_id AS emailId');
    if (wants.content) {
      // The first chunk only when it is the whole message: a larger one is read by range, never inline.
      cols.push('c.prefix', `CASE WHEN c.size - length(c.prefix) <= ${BLOB_CHUNK_SIZE} THEN k.data END AS chunk`, 'c.size - length(c.prefix) AS rawSize');
      join = 'LEFT JOIN blob_chunks k ON k.blob_id = c.blob_id AND k.seq = 0';
    }
    const needsContents = wants.envelope || wants.bodyStructure || wants.body || wants.mimeTree || wants.content;
    const sql = `SELECT ${cols.join(', ')} FROM messages m ${needsContents ? 'JOIN contents c ON c.id = m.content_id' : ''} ${join}
      WHERE m.mailbox_id = ? AND m.uid BETWEEN ? AND ? ${changedSince !== null ? 'AND m.modseq > ?' : ''} ORDER BY m.uid LIMIT ?`;
    const params: number[] = [mailboxId, uidFrom, uidTo];
    if (changedSince !== null) params.push(changedSince);
    params.push(limit);
    let query = this.pageStmts.get(sql);
    if (!query) {
      query = this.db.prepare(sql);
      this.pageStmts.set(sql, query);
    }
    type Raw = MessageRow & { prefix?: Buffer; chunk?: Buffer | null; rawSize?: number };
    if (!wants.content) return query.all(...params) as MessageRow[];
    const rows: MessageRow[] = [];
    let bytes = 0;
    // Read synchronously to the page's end or its byte budget; leaving the loop resets the statement.
    for (const r of query.iterate(...params) as IterableIterator<Raw>) {
      if (r.rawSize! <= BLOB_CHUNK_SIZE) {
        const chunk = r.chunk ?? Buffer.alloc(0);
        r.bytes = r.prefix!.length > 0 ? Buffer.concat([r.prefix!, chunk]) : chunk;
        bytes += r.bytes.length;
      } else {
        r.bytes = null;
      }
      delete r.prefix;
      delete r.chunk;
      delete r.rawSize;
      rows.push(r);
      if (bytes >= IMAP_FETCH_CONTENT_PAGE_BYTES) break;
    }
    return rows;
  }

  /** fetchPage with only the flag columns: four columns read per row instead of seven (a quarter
   *  less time on 100,000 rows; bench/profiles.md, IMAP). */
  async flagPage(mailboxId: number, uidFrom: number, uidTo: number, limit: number, changedSince: number | null = null): Promise<FlagRow[]> {
    return (changedSince === null
      ? this.flagPageStmt.all(mailboxId, uidFrom, uidTo, limit)
      : this.flagPageSinceStmt.all(mailboxId, uidFrom, uidTo, changedSince, limit)) as FlagRow[];
  }

  /** Bytes [start, end) of a stored message (prefix + raw), reading only the chunks needed. */
  async readRange(contentId: number, start: number, end: number): Promise<Buffer> {
    return this.store.contents.range(contentId, start, end);
  }

  /** Current flags of UIDs within the ranges (for unsolicited FETCH after others' changes). */
  async flagsIn(mailboxId: number, ranges: UidRanges): Promise<FlagRow[]> {
    const out: FlagRow[] = [];
    for (const [a, b] of ranges) out.push(...(this.flagsRangeStmt.all(mailboxId, a, b) as FlagRow[]));
    return out;
  }

  /** STORE: add, remove or replace flags on the messages in `ranges`. Large sets are changed in
   *  pages of IMAP_STORE_PAGE_SIZE messages, each its own transaction with its own MODSEQ, so one
   *  command never holds the event loop for long (RFC 7162 lets each message get any higher MODSEQ). */
  async storeFlags(accountId: number, mailboxId: number, ranges: UidRanges, mode: 'add' | 'remove' | 'replace', flags: readonly string[], unchangedSince: number | null): Promise<StoreFlagsResult> {
    const change = flagChange(mode, flags);
    const { bits, keywords } = change;
    const result: StoreFlagsResult = { rows: [], modified: [], modseqs: [] };
    // Without keywords or UNCHANGEDSINCE the change is the same expression for every row, and the
    // rows it affects are exactly those whose flags differ, so one UPDATE per page does it.
    const setBased = keywords.length === 0 && unchangedSince === null && mode !== 'replace';
    // $Junk / $NotJunk train the filter; checked only when the command names them (or replaces all).
    const junkKeywords = mentionsJunkKeywords(keywords);
    let filed = false;
    let ri = 0;
    let from = ranges[0]?.[0] ?? 0;
    while (ri < ranges.length) {
      const page = await this.store.write((tx) => {
        // Up to one page of rows, continuing across ranges where the last page stopped.
        const rows: FlagRow[] = [];
        while (ri < ranges.length && rows.length < IMAP_STORE_PAGE_SIZE) {
          const [a, b] = ranges[ri]!;
          const want = IMAP_STORE_PAGE_SIZE - rows.length;
          const got = this.flagsPageStmt.all(mailboxId, Math.max(from, a), b, want) as FlagRow[];
          rows.push(...got);
          if (got.length === want) {
            from = got[got.length - 1]!.uid + 1;
          } else {
            ri++;
            from = ranges[ri]?.[0] ?? 0;
          }
        }
        let modseq = 0;
        const changedUids: number[] = [];
        const out: (FlagRow & { changed: boolean })[] = [];
        const modified: number[] = [];
        const keywordChanges: { uid: number; before: string; after: string }[] = [];
        for (const r of rows) {
          if (unchangedSince !== null && r.modseq > unchangedSince) {
            modified.push(r.uid);
            continue;
          }
          const { bits: newBits, keywords: newKw } = change.apply(r.flags, r.keywords);
          if (newBits !== r.flags || newKw !== r.keywords) {
            if (modseq === 0) modseq = allocateModseq(this.db, accountId);
            if (!setBased) this.updateFlagsStmt.run(newBits, newKw, modseq, mailboxId, r.uid);
            changedUids.push(r.uid);
            if (junkKeywords && newKw !== r.keywords) keywordChanges.push({ uid: r.uid, before: r.keywords, after: newKw });
            out.push({ uid: r.uid, flags: newBits, keywords: newKw, modseq, changed: true });
          } else {
            out.push({ ...r, changed: false });
          }
        }
        if (modseq > 0) {
          // System flags only: one statement per page changes exactly the rows computed above.
          if (setBased) this.setBasedUpdate(mode, bits, modseq, mailboxId, changedUids);
          stmt(this.db, 'UPDATE mailboxes SET highest_modseq = ? WHERE id = ?').run(modseq, mailboxId);
          tx.publish({ accountId, mailboxId, kind: 'flags', uids: changedUids, modseq });
        }
        if (keywordChanges.length > 0) {
          recordKeywordFilings(this.db, accountId, mailboxId, keywordChanges, this.store.clock.now());
          filed = true;
        }
        return { rows: out, modified, modseq };
      });
      for (const r of page.rows) result.rows.push(r);
      for (const u of page.modified) result.modified.push(u);
      if (page.modseq > 0) result.modseqs.push(page.modseq);
    }
    if (filed) this.store.spam.notifyFiled();
    return result;
  }

  private setBasedUpdate(mode: 'add' | 'remove' | 'replace', bits: number, modseq: number, mailboxId: number, uids: number[]): void {
    const sql = mode === 'add'
      ? 'UPDATE messages SET flags = flags | ?, modseq = ? WHERE mailbox_id = ? AND uid IN (SELECT value FROM json_each(?))'
      : 'UPDATE messages SET flags = flags & ~?, modseq = ? WHERE mailbox_id = ? AND uid IN (SELECT value FROM json_each(?))';
    stmt(this.db, sql).run(bits, modseq, mailboxId, JSON.stringify(uids));
  }

  /** Sets \Seen on UIDs that lack it (FETCH BODY[] without PEEK, RFC 3501 §6.4.5), in one
   *  transaction; returns the rows it changed. */
  async markSeen(accountId: number, mailboxId: number, uids: readonly number[]): Promise<FlagRow[]> {
    if (uids.length === 0) return [];
    return this.store.write((tx) => {
      const modseq = allocateModseq(this.db, accountId);
      const rows = this.markSeenStmt.all(modseq, mailboxId, JSON.stringify(uids)) as FlagRow[];
      if (rows.length === 0) return rows;
      rows.sort((x, y) => x.uid - y.uid);
      stmt(this.db, 'UPDATE mailboxes SET highest_modseq = ? WHERE id = ?').run(modseq, mailboxId);
      tx.publish({ accountId, mailboxId, kind: 'flags', uids: rows.map((r) => r.uid), modseq });
      return rows;
    });
  }

  /** Removes \Deleted messages (within `ranges` when given: UID EXPUNGE, RFC 4315 §2.1). */
  async expunge(accountId: number, mailboxId: number, ranges: UidRanges | null): Promise<{ uids: number[]; modseq: number }> {
    return this.store.write((tx) => {
      const select = stmt(this.db, `SELECT id, uid, content_id AS contentId, size FROM messages
        WHERE mailbox_id = ? AND uid BETWEEN ? AND ? AND (flags & ${DELETED}) != 0 ORDER BY uid`);
      const rows: { id: number; uid: number; contentId: number; size: number }[] = [];
      for (const [a, b] of ranges ?? [[1, Number.MAX_SAFE_INTEGER] as const]) rows.push(...(select.all(mailboxId, a, b) as typeof rows));
      if (rows.length === 0) return { uids: [], modseq: 0 };
      const modseq = tombstone(this.db, accountId, mailboxId, rows);
      releaseMessages(this.db, accountId, rows);
      const uids = rows.map((r) => r.uid);
      tx.publish({ accountId, mailboxId, kind: 'expunge', uids, modseq });
      return { uids, modseq };
    });
  }

  /** COPY: new rows in the destination with the same flags, sharing the stored content. */
  async copy(accountId: number, fromId: number, ranges: UidRanges, toId: number): Promise<CopyResult> {
    let filed = false;
    const result = await this.store.write((tx) => {
      const rows = this.rowsIn(fromId, ranges);
      const dest = stmt(this.db, 'SELECT uid_validity AS uidValidity FROM mailboxes WHERE id = ?').get(toId) as { uidValidity: number };
      if (rows.length === 0) return { uidValidity: dest.uidValidity, sourceUids: [], destinationUids: [] };
      const bytes = rows.reduce((n, r) => n + r.size, 0);
      const account = stmt(this.db, 'SELECT quota_bytes AS quota, used_bytes AS used FROM accounts WHERE id = ?').get(accountId) as { quota: number; used: number };
      if (account.quota > 0 && account.used + bytes > account.quota) throw new OverQuotaError(accountId);
      const modseq = allocateModseq(this.db, accountId);
      const { first } = allocateUids(this.db, toId, rows.length, modseq);
      // RFC 8474 §5.1: a copy keeps the EMAILID; RFC 8514 §2: its save date is the time of the copy.
      const savedAt = this.store.clock.now();
      const insert = stmt(this.db, `INSERT INTO messages (mailbox_id, uid, modseq, content_id, flags, keywords, internal_date, size, save_date, email_id)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
      const ref = stmt(this.db, 'UPDATE contents SET refcount = refcount + 1 WHERE id = ?');
      const destinationUids: number[] = [];
      rows.forEach((r, i) => {
        insert.run(toId, first + i, modseq, r.contentId, r.flags, r.keywords, r.internalDate, r.size, savedAt, r.emailId);
        ref.run(r.contentId);
        destinationUids.push(first + i);
      });
      stmt(this.db, 'UPDATE accounts SET used_bytes = used_bytes + ? WHERE id = ?').run(bytes, accountId);
      filed = this.recordMoveFiling(accountId, fromId, toId, rows);
      tx.publish({ accountId, mailboxId: toId, kind: 'append', uids: destinationUids, modseq });
      return { uidValidity: dest.uidValidity, sourceUids: rows.map((r) => r.uid), destinationUids };
    });
    if (filed) this.store.spam.notifyFiled();
    return result;
  }

  /** The spam filter learns from filing (src/store/spam-filing.ts): recorded in the same transaction as the move or copy. */
  private recordMoveFiling(accountId: number, fromId: number, toId: number, rows: readonly { contentId: number }[]): boolean {
    const cls = filingClassBetween(this.db, accountId, fromId, toId);
    if (!cls) return false;
    recordFiling(this.db, accountId, rows.map((r) => r.contentId), cls, this.store.clock.now());
    return true;
  }

  /** MOVE (RFC 6851): the rows change mailbox and UID in place; tombstones stay in the source. */
  async move(accountId: number, fromId: number, ranges: UidRanges, toId: number): Promise<CopyResult & { modseq: number }> {
    let filed = false;
    const result = await this.store.write((tx) => {
      const rows = this.rowsIn(fromId, ranges);
      const dest = stmt(this.db, 'SELECT uid_validity AS uidValidity FROM mailboxes WHERE id = ?').get(toId) as { uidValidity: number };
      if (rows.length === 0) return { uidValidity: dest.uidValidity, sourceUids: [], destinationUids: [], modseq: 0 };
      const modseq = tombstone(this.db, accountId, fromId, rows);
      const { first } = allocateUids(this.db, toId, rows.length, modseq);
      // The row (and its EMAILID, RFC 8474 §5.1) stays; RFC 8514 §2: the save date is the move's.
      const savedAt = this.store.clock.now();
      const move = stmt(this.db, 'UPDATE messages SET mailbox_id = ?, uid = ?, modseq = ?, save_date = ? WHERE id = ?');
      const destinationUids = rows.map((r, i) => {
        move.run(toId, first + i, modseq, savedAt, r.id);
        return first + i;
      });
      const sourceUids = rows.map((r) => r.uid);
      filed = this.recordMoveFiling(accountId, fromId, toId, rows);
      tx.publish({ accountId, mailboxId: toId, kind: 'append', uids: destinationUids, modseq });
      tx.publish({ accountId, mailboxId: fromId, kind: 'expunge', uids: sourceUids, modseq });
      return { uidValidity: dest.uidValidity, sourceUids, destinationUids, modseq };
    });
    if (filed) this.store.spam.notifyFiled();
    return result;
  }

  /** RFC 7162 §3.2.5.1: UIDs expunged after `modseq`, within `ranges`. */
  async vanishedSince(mailboxId: number, modseq: number, ranges: UidRanges | null): Promise<number[]> {
    const out: number[] = [];
    for (const [a, b] of ranges ?? [[1, Number.MAX_SAFE_INTEGER] as const]) out.push(...(this.vanishedStmt.all(mailboxId, modseq, a, b) as number[]));
    return out;
  }

  private rowsIn(mailboxId: number, ranges: UidRanges) {
    const select = stmt(this.db, `SELECT id, uid, content_id AS contentId, flags, keywords, internal_date AS internalDate, size, email_id AS emailId
      FROM messages WHERE mailbox_id = ? AND uid BETWEEN ? AND ? ORDER BY uid`);
    const rows: { id: number; uid: number; contentId: number; flags: number; keywords: string; internalDate: number; size: number; emailId: string }[] = [];
    for (const [a, b] of ranges) rows.push(...(select.all(mailboxId, a, b) as typeof rows));
    return rows;
  }

  /** Reserves `n` UIDs in a mailbox (uid_next only grows) and returns the first. */
}
