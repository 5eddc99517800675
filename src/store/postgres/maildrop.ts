// The PostgreSQL engine's pop3 area (the interface is Pop3 in src/store/api.ts), as
// src/store/sqlite/maildrop.ts: the INBOX as a snapshot, the bytes of a message, and the UPDATE-state expunge
// (RFC 1939 §6). Always true: expunge() removes the given UIDs in one transaction (all or none),
// leaves VANISHED tombstones and a new MODSEQ as any expunge must, and publishes one 'expunge'
// change after the commit (to every node) so IMAP sessions with INBOX selected see it; UIDs
// already gone (another session, another node) are skipped.
import type { Pop3 } from '../api.ts';
import type { Pop3Snapshot, Pop3SnapshotMessage } from '../maildrop.ts';
import type { PgContext } from './context.ts';
import { contentPieces } from './contents.ts';
import { releaseMessages, tombstone } from './message-rows.ts';

export class PgPop3 implements Pop3 {
  private readonly ctx: PgContext;

  constructor(ctx: PgContext) {
    this.ctx = ctx;
  }

  /** The account's INBOX as it is now, in UID order (RFC 1939 §5 message numbers follow it). */
  async snapshot(accountId: number): Promise<Pop3Snapshot | null> {
    // One statement: the mailbox row and its messages as of one moment.
    const rows = await this.ctx.sql<{ mailboxId: number; uidValidity: number; uid: number | null; contentId: number | null; octets: number | null }[]>`
      SELECT b.id AS "mailboxId", b.uid_validity AS "uidValidity", m.uid, m.content_id AS "contentId", o.octets
      FROM mailboxes b LEFT JOIN messages m ON m.mailbox_id = b.id LEFT JOIN pop3_octets o ON o.content_id = m.content_id
      WHERE b.account_id = ${accountId} AND b.name = 'INBOX' ORDER BY m.uid`;
    const first = rows[0];
    if (!first) return null;
    const messages: Pop3SnapshotMessage[] = rows.filter((r) => r.uid !== null).map((r) => ({ uid: r.uid!, contentId: r.contentId!, octets: r.octets }));
    return { mailboxId: first.mailboxId, uidValidity: first.uidValidity, messages };
  }

  /** Remembers RETR sizes computed by the POP3 layer, so later logins skip the computation. */
  async recordOctets(sizes: { contentId: number; octets: number }[]): Promise<void> {
    if (sizes.length === 0) return;
    const sql = this.ctx.sql;
    // A content expunged meanwhile has no row to refer to: only existing contents are recorded.
    await sql`INSERT INTO pop3_octets (content_id, octets)
      SELECT x.id, x.octets FROM unnest(${sql.array(sizes.map((s) => s.contentId))}::bigint[], ${sql.array(sizes.map((s) => s.octets))}::bigint[]) AS x(id, octets)
      WHERE EXISTS (SELECT 1 FROM contents c WHERE c.id = x.id)
      ON CONFLICT (content_id) DO NOTHING`;
  }

  /** The message as served (prefix, then raw chunks); throws if the content no longer exists. */
  pieces(contentId: number): AsyncIterable<Buffer> {
    return contentPieces(this.ctx.sql, contentId);
  }

  /** RFC 1939 §6: removes the marked messages of the maildrop atomically. Returns the UIDs removed. */
  async expunge(accountId: number, mailboxId: number, uids: number[]): Promise<number[]> {
    if (uids.length === 0) return [];
    return this.ctx.write(async (tx, publish) => {
      // Lock order: the account row first (tombstone allocates the MODSEQ), then the messages.
      await tx`SELECT id FROM accounts WHERE id = ${accountId} FOR UPDATE`;
      const rows = await tx<{ uid: number; id: number; contentId: number; size: number }[]>`
        SELECT uid, id, content_id AS "contentId", size FROM messages
        WHERE mailbox_id = ${mailboxId} AND uid = ANY(${tx.array(uids)}::bigint[]) ORDER BY uid FOR UPDATE`;
      if (rows.length === 0) return [];
      const removed = rows.map((r) => r.uid);
      const modseq = await tombstone(tx, accountId, mailboxId, removed);
      // Raw bytes are shared: they go only when the last message or queue entry holding them goes.
      await releaseMessages(tx, accountId, rows);
      publish({ accountId, mailboxId, kind: 'expunge', uids: removed, modseq });
      return removed;
    });
  }
}
