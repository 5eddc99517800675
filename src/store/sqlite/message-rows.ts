// Row-level helpers shared by the IMAP and POP3 store modules, run inside a write transaction:
// allocating the account's next MODSEQ, tombstoning expunged UIDs, and releasing message rows
// (content and blob reference counts, quota usage).
// Always true: a content row is deleted exactly when its last message/queue reference goes, and a
// blob exactly when its last content row goes; accounts.used_bytes drops by the released sizes.
// Every statement of the release path is a rowid or index lookup, also the foreign-key checks its
// deletes make (migrations/0070): test/unit/store/query-plans.test.ts reads their bytecode.
import type { Db } from './open.ts';
import { stmt } from './statements.ts';

/** RFC 7162: the account's MODSEQ counter only grows; one value may cover all rows of one change. */
export function allocateModseq(db: Db, accountId: number): number {
  return (stmt(db, 'UPDATE accounts SET modseq = modseq + 1 WHERE id = ? RETURNING modseq').get(accountId) as { modseq: number }).modseq;
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
  const deref = stmt(db, RELEASE_SQL.derefContent);
  const dropContent = stmt(db, RELEASE_SQL.deleteContent);
  const derefBlob = stmt(db, RELEASE_SQL.derefBlob);
  const dropBlob = stmt(db, RELEASE_SQL.deleteBlob);
  let bytes = 0;
  for (const r of rows) {
    del.run(r.id);
    bytes += r.size;
    const c = deref.get(r.contentId) as { refcount: number; blobId: number } | undefined;
    if (c && c.refcount <= 0) {
      dropContent.run(r.contentId);
      const b = derefBlob.get(c.blobId) as { refcount: number } | undefined;
      if (b && b.refcount <= 0) dropBlob.run(c.blobId);
    }
  }
  stmt(db, RELEASE_SQL.usedBytes).run(bytes, accountId);
}
