// What POP3 needs from the store: the INBOX as a snapshot (UIDs, contents, RETR sizes), the bytes
// of a message, and the UPDATE-state expunge (RFC 1939 §6). SQL for POP3 lives only here.
// Always true: expunge() removes the given UIDs in one transaction (all or none), leaves VANISHED
// tombstones and a new MODSEQ as any expunge must, and publishes one 'expunge' change on the bus
// after the commit so IMAP sessions with INBOX selected see it; UIDs already gone are skipped.
import type { Db } from './open.ts';
import type { WriteContext } from './group-commit.ts';
import type { ContentReader } from './contents.ts';
import { releaseMessages, tombstone } from './message-rows.ts';
import type { Pop3 } from '../api.ts';
import type { Pop3Snapshot, Pop3SnapshotMessage } from '../maildrop.ts';

type Write = <T>(work: (tx: WriteContext) => T) => Promise<T>;

export class Pop3Store implements Pop3 {
  private readonly db: Db;
  private readonly write: Write;
  private readonly contents: ContentReader;
  private readonly inboxStmt;
  private readonly messagesStmt;

  constructor(db: Db, write: Write, contents: ContentReader) {
    this.db = db;
    this.write = write;
    this.contents = contents;
    this.inboxStmt = db.prepare("SELECT id, uid_validity AS uidValidity FROM mailboxes WHERE account_id = ? AND name = 'INBOX'");
    this.messagesStmt = db.prepare(`SELECT m.uid, m.content_id AS contentId, o.octets
      FROM messages m LEFT JOIN pop3_octets o ON o.content_id = m.content_id
      WHERE m.mailbox_id = ? ORDER BY m.uid`);
  }

  /** The account's INBOX as it is now, in UID order (RFC 1939 §5 message numbers follow it). */
  async snapshot(accountId: number): Promise<Pop3Snapshot | null> {
    const box = this.inboxStmt.get(accountId) as { id: number; uidValidity: number } | undefined;
    if (!box) return null;
    const messages = this.messagesStmt.all(box.id) as Pop3SnapshotMessage[];
    return { mailboxId: box.id, uidValidity: box.uidValidity, messages };
  }

  /** Remembers RETR sizes computed by the POP3 layer, so later logins skip the computation. */
  async recordOctets(sizes: { contentId: number; octets: number }[]): Promise<void> {
    if (sizes.length === 0) return;
    await this.write(() => {
      const insert = this.db.prepare('INSERT OR IGNORE INTO pop3_octets (content_id, octets) VALUES (?, ?)');
      for (const s of sizes) insert.run(s.contentId, s.octets);
    });
  }

  /** The message as served (prefix, then raw chunks); throws if the content no longer exists. */
  pieces(contentId: number): AsyncIterable<Buffer> {
    return this.contents.pieces(contentId);
  }

  /** RFC 1939 §6: removes the marked messages of the maildrop atomically. Returns the UIDs removed. */
  async expunge(accountId: number, mailboxId: number, uids: number[]): Promise<number[]> {
    if (uids.length === 0) return [];
    return this.write((tx) => {
      const db = this.db;
      const find = db.prepare('SELECT id, content_id AS contentId, size FROM messages WHERE mailbox_id = ? AND uid = ?');
      const rows: { uid: number; id: number; contentId: number; size: number }[] = [];
      for (const uid of uids) {
        const row = find.get(mailboxId, uid) as { id: number; contentId: number; size: number } | undefined;
        if (row) rows.push({ uid, ...row });
      }
      if (rows.length === 0) return [];
      const modseq = tombstone(db, accountId, mailboxId, rows);
      // Raw bytes are shared: they go only when the last message or queue entry holding them goes.
      releaseMessages(db, accountId, rows);
      const removed = rows.map((r) => r.uid).sort((a, b) => a - b);
      tx.publish({ accountId, mailboxId, kind: 'expunge', uids: removed, modseq });
      return removed;
    });
  }
}
