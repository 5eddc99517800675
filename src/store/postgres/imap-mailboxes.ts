// The PostgreSQL engine's imap-mailboxes area (the interface is ImapMailboxes in src/store/api.ts),
// ported statement by statement from src/store/imap-mailboxes.ts: listing, STATUS counters, CREATE
// with missing parents, DELETE, RENAME (INBOX moves its messages, RFC 3501 §6.3.5), subscriptions
// (kept by DELETE, RFC 3501 §6.3.6), durable \Recent ownership (RFC 3501 §2.3.2), the quota, and
// the SELECT snapshot. Always true: names compare and sort bytewise (COLLATE "C", as SQLite's
// BINARY); every write takes the account row before mailbox rows (in ascending id) before
// messages (PG.md lock order) and publishes its change after commit; SELECT reads in one
// transaction, so other nodes' commits never show half.
import type { ImapMailboxes } from '../api.ts';
import { distinctKeywords, type ImapMailbox, type MailboxCounters, type SelectSnapshot } from '../imap-mailboxes.ts';
import type { Tx } from './connect.ts';
import type { PgContext } from './context.ts';
import { notBuilt } from './not-built.ts';

/** The mailbox columns under their ImapMailbox names (fixed text, no parameters). */
const COLUMNS = `id, name, special_use AS "specialUse", uid_validity AS "uidValidity", uid_next AS "uidNext",
  highest_modseq AS "highestModseq", recent_uid AS "recentUid"`;

function fromRow(r: ImapMailbox): ImapMailbox {
  return { id: r.id, name: r.name, specialUse: r.specialUse, uidValidity: r.uidValidity, uidNext: r.uidNext, highestModseq: r.highestModseq, recentUid: r.recentUid };
}

async function byNameIn(tx: Tx, accountId: number, name: string, lock = false): Promise<ImapMailbox | null> {
  const [r] = await tx<ImapMailbox[]>`SELECT ${tx.unsafe(COLUMNS)} FROM mailboxes WHERE account_id = ${accountId} AND name = ${name}
    ${lock ? tx`FOR UPDATE` : tx``}`;
  return r ? fromRow(r) : null;
}

export class PgImapMailboxes implements ImapMailboxes {
  private readonly ctx: PgContext;

  constructor(ctx: PgContext) {
    this.ctx = ctx;
  }

  async list(accountId: number): Promise<ImapMailbox[]> {
    const sql = this.ctx.sql;
    const rows = await sql<ImapMailbox[]>`SELECT ${sql.unsafe(COLUMNS)} FROM mailboxes WHERE account_id = ${accountId} ORDER BY name COLLATE "C"`;
    return rows.map(fromRow);
  }

  async byName(accountId: number, name: string): Promise<ImapMailbox | null> {
    const sql = this.ctx.sql;
    const [r] = await sql<ImapMailbox[]>`SELECT ${sql.unsafe(COLUMNS)} FROM mailboxes WHERE account_id = ${accountId} AND name = ${name}`;
    return r ? fromRow(r) : null;
  }

  async byId(mailboxId: number): Promise<ImapMailbox | null> {
    const sql = this.ctx.sql;
    const [r] = await sql<ImapMailbox[]>`SELECT ${sql.unsafe(COLUMNS)} FROM mailboxes WHERE id = ${mailboxId}`;
    return r ? fromRow(r) : null;
  }

  async counters(mailboxId: number): Promise<MailboxCounters> {
    const [r] = await this.ctx.sql<MailboxCounters[]>`SELECT count(*) AS messages,
      count(*) FILTER (WHERE (flags & 1) = 0) AS unseen, count(*) FILTER (WHERE (flags & 8) <> 0) AS deleted,
      coalesce(sum(size), 0) AS size FROM messages WHERE mailbox_id = ${mailboxId}`;
    return { messages: r!.messages, unseen: r!.unseen, deleted: r!.deleted, size: r!.size };
  }

  async create(accountId: number, name: string, specialUse: string | null = null): Promise<ImapMailbox> {
    throw notBuilt('imap-mailboxes.create');
  }

  async delete(accountId: number, name: string): Promise<void> {
    throw notBuilt('imap-mailboxes.delete');
  }

  async rename(accountId: number, from: string, to: string): Promise<void> {
    throw notBuilt('imap-mailboxes.rename');
  }

  /** The account's subscribed names, whether or not such mailboxes exist. */
  async subscriptions(accountId: number): Promise<string[]> {
    const rows = await this.ctx.sql<{ name: string }[]>`SELECT name FROM subscriptions WHERE account_id = ${accountId} ORDER BY name COLLATE "C"`;
    return rows.map((r) => r.name);
  }

  /** SUBSCRIBE adds the name, UNSUBSCRIBE removes it (false when it was not subscribed). */
  async setSubscribed(accountId: number, name: string, subscribed: boolean): Promise<boolean> {
    if (subscribed) {
      await this.ctx.sql`INSERT INTO subscriptions (account_id, name) VALUES (${accountId}, ${name}) ON CONFLICT DO NOTHING`;
      return true;
    }
    const r = await this.ctx.sql`DELETE FROM subscriptions WHERE account_id = ${accountId} AND name = ${name}`;
    return r.count > 0;
  }

  /** RFC 3501 §2.3.2: claims every UID up to `upTo` for the caller and returns the floor it had
   *  before. The row lock orders concurrent claims (any node), so each UID goes to one session. */
  async claimRecent(mailboxId: number, upTo: number): Promise<number> {
    const floor = await this.recentFloor(mailboxId);
    if (upTo <= floor) return floor;
    return this.ctx.write(async (tx) => {
      const [r] = await tx<{ recentUid: number }[]>`SELECT recent_uid AS "recentUid" FROM mailboxes WHERE id = ${mailboxId} FOR UPDATE`;
      if (!r) return upTo;
      if (upTo > r.recentUid) await tx`UPDATE mailboxes SET recent_uid = ${upTo} WHERE id = ${mailboxId}`;
      return r.recentUid;
    });
  }

  /** SELECT (claim = true) or EXAMINE in one transaction. SELECT locks the mailbox row first:
   *  every write that adds, flags or removes its messages updates that row (uid_next,
   *  highest_modseq), so none of them commits between the reads, and the \Recent claim is
   *  part of the same transaction. EXAMINE reads one REPEATABLE READ snapshot. */
  async selectSnapshot(accountId: number, name: string, claim: boolean): Promise<SelectSnapshot | null> {
    const read = async (tx: Tx, lock: boolean): Promise<SelectSnapshot | null> => {
      const box = await byNameIn(tx, accountId, name, lock);
      if (!box) return null;
      const uidRows = await tx<{ uid: number }[]>`SELECT uid FROM messages WHERE mailbox_id = ${box.id} ORDER BY uid`;
      const [unseen] = await tx<{ uid: number | null }[]>`SELECT min(uid) AS uid FROM messages WHERE mailbox_id = ${box.id} AND (flags & 1) = 0`;
      const lists = await tx<{ keywords: string }[]>`SELECT DISTINCT keywords FROM messages WHERE mailbox_id = ${box.id} AND keywords <> ''`;
      return { mailbox: box, uids: uidRows.map((r) => r.uid), firstUnseenUid: unseen?.uid ?? null, keywords: distinctKeywords(lists.map((l) => l.keywords)), recentFloor: box.recentUid };
    };
    if (!claim) return this.ctx.snapshot((tx) => read(tx, false));
    return this.ctx.write(async (tx) => {
      const view = await read(tx, true);
      const top = view && view.uids.length > 0 ? view.uids[view.uids.length - 1]! : 0;
      if (view && top > view.recentFloor) await tx`UPDATE mailboxes SET recent_uid = ${top} WHERE id = ${view.mailbox.id}`;
      return view;
    });
  }

  /** The claimed-recent floor without claiming (EXAMINE, STATUS). */
  async recentFloor(mailboxId: number): Promise<number> {
    const [r] = await this.ctx.sql<{ recentUid: number }[]>`SELECT recent_uid AS "recentUid" FROM mailboxes WHERE id = ${mailboxId}`;
    return r?.recentUid ?? 0;
  }

  /** The account's quota (0 = unlimited) and usage, in bytes. */
  async quota(accountId: number): Promise<{ limit: number; used: number }> {
    const [r] = await this.ctx.sql<{ limit: number; used: number }[]>`SELECT quota_bytes AS "limit", used_bytes AS used FROM accounts WHERE id = ${accountId}`;
    return { limit: r!.limit, used: r!.used };
  }
}
