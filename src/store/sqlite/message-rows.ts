// The SQLite engine's one place for what every area that writes messages shares, run inside a
// write transaction: allocating UIDs and MODSEQs, tombstoning expunged UIDs, and releasing message
// rows and contents (reference counts, quota usage). Always true:
// - uid_next only grows: UIDs are taken only by allocateUids, in the transaction that writes the
//   rows, so a UID is never given twice in a mailbox and never reused after an expunge;
// - the account's MODSEQ only grows (RFC 7162 §3.1.1): taken only by allocateModseq, one value per
//   change, and a mailbox's highest_modseq is set to the value its change took;
// - a content row is deleted exactly when its last message/queue reference goes (releaseContent is
//   the only place a reference is dropped), and a blob exactly when its last content row goes; its
//   chunks go with it (ON DELETE CASCADE); accounts.used_bytes drops by the released sizes.
// Every statement of the release path is a rowid or index lookup, also the foreign-key checks its
// deletes make (migrations/0070): test/unit/store/query-plans.test.ts reads their bytecode.
import type { Db } from './open.ts';
import { stmt } from './statements.ts';

/** Takes the account's next MODSEQ (RFC 7162: the counter only grows); one value may cover all rows of one change. */
// No RETURNING in these two (delivery runs them for every message): SQLite runs a RETURNING statement
// in a statement savepoint, and FTS5 writes the terms pending in the transaction to disk as a new
// segment at every savepoint (bench/profiles.md, inbound). An UPDATE and a SELECT of the same row
// in the same write transaction read what the UPDATE wrote.
export function allocateModseq(db: Db, accountId: number): number {
  stmt(db, 'UPDATE accounts SET modseq = modseq + 1 WHERE id = ?').run(accountId);
  return (stmt(db, 'SELECT modseq FROM accounts WHERE id = ?').get(accountId) as { modseq: number }).modseq;
}

/**
 * Reserves `n` UIDs in a mailbox and records `modseq` (just allocated) as its highest; returns the
 * first UID and the mailbox's UIDVALIDITY.
 */
export function allocateUids(db: Db, mailboxId: number, n: number, modseq: number): { first: number; uidValidity: number } {
  stmt(db, 'UPDATE mailboxes SET uid_next = uid_next + ?, highest_modseq = ? WHERE id = ?').run(n, modseq, mailboxId);
  return stmt(db, 'SELECT uid_next - ? AS first, uid_validity AS uidValidity FROM mailboxes WHERE id = ?')
    .get(n, mailboxId) as { first: number; uidValidity: number };
}

/**
 * Records UIDs leaving a mailbox (expunge, or the source side of MOVE) under one new MODSEQ: VANISHED
 * tombstones for QRESYNC (RFC 7162 §3.2.5.1) and the mailbox's highest modseq. Returns that modseq.
 */
export function tombstone(db: Db, accountId: number, mailboxId: number, rows: readonly { uid: number }[]): number {
  const modseq = allocateModseq(db, accountId);
  const tomb = stmt(db, 'INSERT OR REPLACE INTO vanished (mailbox_id, uid, modseq) VALUES (?, ?, ?)');
  for (const r of rows) tomb.run(mailboxId, r.uid, modseq);
  stmt(db, 'UPDATE mailboxes SET highest_modseq = ? WHERE id = ?').run(modseq, mailboxId);
  return modseq;
}

/** The release path's statements, exported so the query-plan test checks these very texts. */
export const RELEASE_SQL = {
  deleteMessage: 'DELETE FROM messages WHERE id = ?',
  derefContent: 'UPDATE contents SET refcount = refcount - 1 WHERE id = ? RETURNING refcount, blob_id AS blobId',
  deleteContent: 'DELETE FROM contents WHERE id = ?',
  derefBlob: 'UPDATE blobs SET refcount = refcount - 1 WHERE id = ? RETURNING refcount',
  deleteBlob: 'DELETE FROM blobs WHERE id = ?',
  usedBytes: 'UPDATE accounts SET used_bytes = max(0, used_bytes - ?) WHERE id = ?',
} as const;

/** Deletes message rows and drops their references; caller writes tombstones if it needs them. */
export function releaseMessages(db: Db, accountId: number, rows: readonly { id: number; contentId: number; size: number }[]): void {
  if (rows.length === 0) return;
  const del = stmt(db, RELEASE_SQL.deleteMessage);
  let bytes = 0;
  for (const r of rows) {
    del.run(r.id);
    bytes += r.size;
    releaseContent(db, r.contentId);
  }
  stmt(db, RELEASE_SQL.usedBytes).run(bytes, accountId);
}

/** Drops one reference to a content (a message or queue row that held it went); at none it goes, and its blob with its last content. */
export function releaseContent(db: Db, contentId: number): void {
  const c = stmt(db, RELEASE_SQL.derefContent).get(contentId) as { refcount: number; blobId: number } | undefined;
  if (c && c.refcount <= 0) {
    stmt(db, RELEASE_SQL.deleteContent).run(contentId);
    const b = stmt(db, RELEASE_SQL.derefBlob).get(c.blobId) as { refcount: number } | undefined;
    if (b && b.refcount <= 0) stmt(db, RELEASE_SQL.deleteBlob).run(c.blobId);
  }
}

/** The distinct keyword lists of a mailbox's messages (SELECT's FLAGS, RFC 3501 §7.2.6), as a
 *  skip-scan of the partial index messages_keywords (migrations/0096): one index seek per distinct
 *  list instead of a read of every message row; 100,000 messages without keywords cost 20 ms of CPU
 *  per SELECT before and 0.2 ms now. Each list is a message's space-separated keywords. */
export function keywordLists(db: Db, mailboxId: number): string[] {
  return (stmt(db, KEYWORD_LISTS).all(mailboxId, mailboxId) as { v: string }[]).map((r) => r.v);
}

// `keywords != ''` in each step, as the partial index's own condition, so SQLite can use it.
const KEYWORD_LISTS = `WITH RECURSIVE k(v) AS (
    SELECT (SELECT min(keywords) FROM messages WHERE mailbox_id = ? AND keywords != '')
    UNION ALL
    SELECT (SELECT min(keywords) FROM messages WHERE mailbox_id = ? AND keywords != '' AND keywords > k.v) FROM k WHERE k.v IS NOT NULL
  ) SELECT v FROM k WHERE v IS NOT NULL`;
