// Mailboxes of an account, as listings and counters. Names are UTF-8 with '/' as the hierarchy
// delimiter; 'INBOX' is the inbox's name exactly.
import { stmt } from './statements.ts';
import type { Db } from './open.ts';
import type { Mailboxes } from '../api.ts';
import type { MailboxRow } from '../mailboxes.ts';

export class MailboxStore implements Mailboxes {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  async list(accountId: number): Promise<MailboxRow[]> {
    const rows = stmt(this.db, `
      SELECT b.id, b.account_id AS accountId, b.name, b.special_use AS specialUse,
        EXISTS (SELECT 1 FROM subscriptions s WHERE s.account_id = b.account_id AND s.name = b.name) AS subscribed,
        b.uid_validity AS uidValidity, b.uid_next AS uidNext, b.highest_modseq AS highestModseq,
        (SELECT count(*) FROM messages m WHERE m.mailbox_id = b.id) AS messages,
        (SELECT coalesce(sum(size), 0) FROM messages m WHERE m.mailbox_id = b.id) AS size
      FROM mailboxes b WHERE b.account_id = ? ORDER BY b.name = 'INBOX' DESC, b.name`).all(accountId) as (Omit<MailboxRow, 'subscribed'> & { subscribed: number })[];
    return rows.map((r) => ({ ...r, subscribed: r.subscribed === 1 }));
  }

  async find(accountId: number, name: string): Promise<MailboxRow | null> {
    return (await this.list(accountId)).find((b) => b.name === name) ?? null;
  }
}
