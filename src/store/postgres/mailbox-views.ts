// The PostgreSQL engine's imap-mailboxes area (the interface is ImapMailboxes in src/store/api.ts),
// ported statement by statement from src/store/sqlite/mailbox-views.ts: listing, STATUS counters, CREATE
// with missing parents, DELETE, RENAME (INBOX moves its messages, RFC 3501 §6.3.5), subscriptions
// (kept by DELETE, RFC 3501 §6.3.6), durable \Recent ownership (RFC 3501 §2.3.2), the quota, and
// the SELECT snapshot. Always true: names compare and sort bytewise (COLLATE "C", as SQLite's
// BINARY); every write takes the account row before mailbox rows (in ascending id) before
// messages (PG.md lock order) and publishes its change after commit; SELECT reads in one
// transaction, so other nodes' commits never show half.
import type { ImapMailboxes } from '../api.ts';
import { MailboxExistsError, MailboxHasChildrenError, MailboxNotFoundError, distinctKeywords, type ImapMailbox, type MailboxCounters, type MailboxStatus, type SelectSnapshot } from '../mailbox-views.ts';
import type { Tx } from './connect.ts';
import type { PgContext } from './context.ts';
import { allocateUids, createMailboxRow, keywordLists, releaseMessages, tombstone } from './message-rows.ts';

/** The mailbox columns under their ImapMailbox names (fixed text, no parameters). */
const COLUMNS = `id, name, special_use AS "specialUse", uid_validity AS "uidValidity", uid_next AS "uidNext",
  highest_modseq AS "highestModseq", recent_uid AS "recentUid", object_id AS "objectId"`;

function fromRow(r: ImapMailbox): ImapMailbox {
  return { id: r.id, name: r.name, specialUse: r.specialUse, uidValidity: r.uidValidity, uidNext: r.uidNext, highestModseq: r.highestModseq, recentUid: r.recentUid, objectId: r.objectId };
}

/** LIKE pattern matching names under `name/` (children), with LIKE's metacharacters escaped. */
function childPattern(name: string): string {
  return name.replace(/[\\%_]/g, (c) => '\\' + c) + '/%';
}

/** PostgreSQL text never holds NUL, so a name with one (what the IMAP layer makes of a name that is
 *  not valid modified UTF-7) names no mailbox; binding it would fail. */
function impossible(name: string): boolean {
  return name.includes('\0');
}

async function byNameIn(tx: Tx, accountId: number, name: string, lock = false): Promise<ImapMailbox | null> {
  if (impossible(name)) return null;
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
    if (impossible(name)) return null;
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

  // One statement, so one snapshot: the row's UIDNEXT and the counts see the same commits.
  async status(mailboxId: number, counts: boolean): Promise<MailboxStatus | null> {
    const [r] = await this.ctx.sql<(Omit<MailboxStatus, 'counters'> & Partial<MailboxCounters>)[]>`
      SELECT b.uid_next AS "uidNext", b.uid_validity AS "uidValidity", b.highest_modseq AS "highestModseq",
        (SELECT count(*) FROM messages m WHERE m.mailbox_id = b.id AND m.uid > b.recent_uid) AS recent, c.*
      FROM mailboxes b LEFT JOIN LATERAL (SELECT count(*) AS messages,
          count(*) FILTER (WHERE (flags & 1) = 0) AS unseen, count(*) FILTER (WHERE (flags & 8) <> 0) AS deleted,
          coalesce(sum(size), 0) AS size FROM messages WHERE mailbox_id = b.id) c ON ${counts}
      WHERE b.id = ${mailboxId}`;
    if (!r) return null;
    return { uidNext: r.uidNext, uidValidity: r.uidValidity, highestModseq: r.highestModseq, recent: r.recent,
      counters: counts ? { messages: r.messages!, unseen: r.unseen!, deleted: r.deleted!, size: r.size! } : null };
  }

  /** Creates `name` and any missing parents (RFC 3501 §6.3.3). */
  async create(accountId: number, name: string, specialUse: string | null = null): Promise<ImapMailbox> {
    const now = this.ctx.clock.now();
    return this.ctx.write(async (tx, publish) => {
      // The account row first (PG.md lock order): concurrent CREATEs of one account queue here,
      // so the existence checks below see each other's commits.
      await tx`SELECT id FROM accounts WHERE id = ${accountId} FOR UPDATE`;
      if (await byNameIn(tx, accountId, name)) throw new MailboxExistsError(name);
      const levels = name.split('/');
      for (let i = 1; i < levels.length; i++) {
        const parent = levels.slice(0, i).join('/');
        if (!(await byNameIn(tx, accountId, parent))) await createMailboxRow(tx, accountId, parent, null, now);
      }
      const id = await createMailboxRow(tx, accountId, name, specialUse, now);
      publish({ accountId, mailboxId: id, kind: 'mailboxes', uids: [], modseq: 0 });
      const [r] = await tx<ImapMailbox[]>`SELECT ${tx.unsafe(COLUMNS)} FROM mailboxes WHERE id = ${id}`;
      return fromRow(r!);
    });
  }

  /** Deletes a mailbox and its messages; refuses INBOX and mailboxes with children. */
  async delete(accountId: number, name: string): Promise<void> {
    await this.ctx.write(async (tx, publish) => {
      await tx`SELECT id FROM accounts WHERE id = ${accountId} FOR UPDATE`;
      const box = await byNameIn(tx, accountId, name, true);
      if (!box) throw new MailboxNotFoundError(name);
      const [child] = await tx`SELECT 1 FROM mailboxes WHERE account_id = ${accountId} AND name LIKE ${childPattern(name)} LIMIT 1`;
      if (child) throw new MailboxHasChildrenError(name);
      const rows = await tx<{ id: number; contentId: number; size: number }[]>`
        SELECT id, content_id AS "contentId", size FROM messages WHERE mailbox_id = ${box.id} ORDER BY id FOR UPDATE`;
      await releaseMessages(tx, accountId, rows);
      await tx`DELETE FROM vanished WHERE mailbox_id = ${box.id}`;
      await tx`DELETE FROM mailboxes WHERE id = ${box.id}`;
      publish({ accountId, mailboxId: box.id, kind: 'mailboxes', uids: [], modseq: 0 });
    });
  }

  /** Renames a mailbox and its children. Renaming INBOX moves its messages into a new mailbox and
   *  leaves INBOX empty (RFC 3501 §6.3.5). */
  async rename(accountId: number, from: string, to: string): Promise<void> {
    const now = this.ctx.clock.now();
    await this.ctx.write(async (tx, publish) => {
      await tx`SELECT id FROM accounts WHERE id = ${accountId} FOR UPDATE`;
      const box = await byNameIn(tx, accountId, from);
      if (!box) throw new MailboxNotFoundError(from);
      if (await byNameIn(tx, accountId, to)) throw new MailboxExistsError(to);
      const levels = to.split('/');
      for (let i = 1; i < levels.length; i++) {
        const parent = levels.slice(0, i).join('/');
        if (parent !== from && !(await byNameIn(tx, accountId, parent))) await createMailboxRow(tx, accountId, parent, null, now);
      }
      if (from === 'INBOX') {
        const target = await createMailboxRow(tx, accountId, to, null, now);
        const moved = await moveAllMessages(tx, accountId, box.id, target, now);
        if (moved.uids.length > 0) publish({ accountId, mailboxId: box.id, kind: 'expunge', uids: moved.uids, modseq: moved.modseq });
      } else {
        const children = await tx<{ id: number; name: string }[]>`
          SELECT id, name FROM mailboxes WHERE account_id = ${accountId} AND name LIKE ${childPattern(from)} ORDER BY id`;
        for (const c of children) {
          const newName = to + c.name.slice(from.length);
          if (await byNameIn(tx, accountId, newName)) throw new MailboxExistsError(newName);
        }
        const ids = [box.id, ...children.map((c) => c.id)];
        const names = [to, ...children.map((c) => to + c.name.slice(from.length))];
        // No new name is an old one (each was checked free above), so the renames cannot collide.
        await tx`UPDATE mailboxes m SET name = x.name
          FROM unnest(${tx.array(ids)}::bigint[], ${tx.array(names)}::text[]) AS x(id, name) WHERE m.id = x.id`;
        // Subscriptions follow the renamed mailboxes (SQLite's UPDATE OR REPLACE: a subscription
        // already under the new name stays, the old one goes).
        const subs = await tx<{ name: string }[]>`SELECT name FROM subscriptions
          WHERE account_id = ${accountId} AND (name = ${from} OR name LIKE ${childPattern(from)})`;
        if (subs.length > 0) {
          const old = subs.map((s) => s.name);
          await tx`DELETE FROM subscriptions WHERE account_id = ${accountId} AND name = ANY(${tx.array(old)}::text[])`;
          const renamed = old.map((n) => to + n.slice(from.length));
          await tx`INSERT INTO subscriptions (account_id, name) SELECT ${accountId}, n FROM unnest(${tx.array(renamed)}::text[]) AS n
            ON CONFLICT DO NOTHING`;
        }
      }
      publish({ accountId, mailboxId: box.id, kind: 'mailboxes', uids: [], modseq: 0 });
    });
  }

  /** The account's subscribed names, whether or not such mailboxes exist. */
  async subscriptions(accountId: number): Promise<string[]> {
    const rows = await this.ctx.sql<{ name: string }[]>`SELECT name FROM subscriptions WHERE account_id = ${accountId} ORDER BY name COLLATE "C"`;
    return rows.map((r) => r.name);
  }

  /** SUBSCRIBE adds the name, UNSUBSCRIBE removes it (false when it was not subscribed). */
  async setSubscribed(accountId: number, name: string, subscribed: boolean): Promise<boolean> {
    if (impossible(name)) return subscribed;
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
      const lists = await keywordLists(tx, box.id);
      return { mailbox: box, uids: uidRows.map((r) => r.uid), firstUnseenUid: unseen?.uid ?? null, keywords: distinctKeywords(lists), recentFloor: box.recentUid };
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

/** Moves every message of `fromId` into `toId` with new UIDs, keeping flags and EMAILIDs (the rows
 *  stay) and saved at `now` (RFC 8514 §2); returns the old UIDs.
 *  The account row is already locked by the caller; the mailboxes are locked in ascending id. */
async function moveAllMessages(tx: Tx, accountId: number, fromId: number, toId: number, now: number): Promise<{ uids: number[]; modseq: number }> {
  await tx`SELECT id FROM mailboxes WHERE id = ANY(${tx.array([fromId, toId])}::bigint[]) ORDER BY id FOR UPDATE`;
  const rows = await tx<{ id: number; uid: number }[]>`SELECT id, uid FROM messages WHERE mailbox_id = ${fromId} ORDER BY uid FOR UPDATE`;
  if (rows.length === 0) return { uids: [], modseq: 0 };
  const ids = rows.map((r) => r.id);
  const uids = rows.map((r) => r.uid);
  const modseq = await tombstone(tx, accountId, fromId, uids);
  const first = await allocateUids(tx, toId, rows.length, modseq);
  await tx`UPDATE messages m SET mailbox_id = ${toId}, uid = ${first} + x.i - 1, modseq = ${modseq}, save_date = ${now}
    FROM unnest(${tx.array(ids)}::bigint[]) WITH ORDINALITY AS x(id, i) WHERE m.id = x.id`;
  return { uids, modseq };
}
