// The PostgreSQL engine's mailboxes area (the interface is Mailboxes in src/store/api.ts), as
// src/store/sqlite/mailboxes.ts: an account's mailboxes with their counters, INBOX first, then by name
// in byte order (COLLATE "C", SQLite's BINARY). One statement, so the counters agree.
import type { Mailboxes } from '../api.ts';
import type { MailboxRow } from '../mailboxes.ts';
import type { PgContext } from './context.ts';

export class PgMailboxes implements Mailboxes {
  private readonly ctx: PgContext;

  constructor(ctx: PgContext) {
    this.ctx = ctx;
  }

  async list(accountId: number): Promise<MailboxRow[]> {
    return this.query(accountId, null);
  }

  async find(accountId: number, name: string): Promise<MailboxRow | null> {
    return (await this.query(accountId, name))[0] ?? null;
  }

  private async query(accountId: number, name: string | null): Promise<MailboxRow[]> {
    const sql = this.ctx.sql;
    const rows = await sql<MailboxRow[]>`
      SELECT b.id, b.account_id AS "accountId", b.name, b.special_use AS "specialUse",
        EXISTS (SELECT 1 FROM subscriptions s WHERE s.account_id = b.account_id AND s.name = b.name) AS subscribed,
        b.uid_validity AS "uidValidity", b.uid_next AS "uidNext", b.highest_modseq AS "highestModseq",
        coalesce(m.n, 0) AS messages, coalesce(m.bytes, 0) AS size
      FROM mailboxes b
      LEFT JOIN LATERAL (SELECT count(*) AS n, sum(size) AS bytes FROM messages WHERE mailbox_id = b.id) m ON true
      WHERE b.account_id = ${accountId} ${name === null ? sql`` : sql`AND b.name = ${name}`}
      ORDER BY b.name = 'INBOX' DESC, b.name COLLATE "C"`;
    return rows.map((r) => ({ ...r }));
  }
}
