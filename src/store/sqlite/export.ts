// Reading an account's messages for `postern export`, a page at a time in UID order. What must
// always be true: only reads; flags come back as IMAP shows them (system flags and keywords).
import type { Db } from './open.ts';
import { decodeFlags } from '../flags.ts';
import type { ExportRow } from '../export.ts';

/** The next `limit` messages of a mailbox after `afterUid`. */
export function exportPage(db: Db, mailboxId: number, afterUid: number, limit: number): ExportRow[] {
  const rows = db.prepare(`SELECT uid, content_id AS contentId, flags, keywords, internal_date AS internalDate
    FROM messages WHERE mailbox_id = ? AND uid > ? ORDER BY uid LIMIT ?`).all(mailboxId, afterUid, limit) as { uid: number; contentId: number; flags: number; keywords: string; internalDate: number }[];
  return rows.map((r) => ({ uid: r.uid, contentId: r.contentId, flags: decodeFlags(r.flags, r.keywords), internalDate: r.internalDate }));
}
