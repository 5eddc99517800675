// Mailbox operations IMAP needs: listing with special-use, STATUS counters, CREATE (with missing
// parents), DELETE, RENAME (children follow; INBOX moves its messages, RFC 3501 §6.3.5), the
// subscriptions (names of their own: kept by DELETE, not made by CREATE, RFC 3501 §6.3.6), durable
// \Recent ownership (RFC 3501 §2.3.2), and the account quota. Always true: names are UTF-8 with "/" as delimiter and
// 'INBOX' exactly for the inbox; a new mailbox always gets a fresh UIDVALIDITY from the counter;
// every change is published on the bus after its transaction commits.
import { stmt } from './statements.ts';
import type { SqliteStore } from './store.ts';
import type { Db } from './open.ts';
import { createMailboxRow } from './accounts.ts';
import { allocateUids, keywordLists, releaseMessages, tombstone } from './message-rows.ts';
import type { ImapMailboxes } from '../api.ts';
import { MailboxExistsError, MailboxHasChildrenError, MailboxNotFoundError, distinctKeywords, type ImapMailbox, type MailboxCounters, type MailboxStatus, type SelectSnapshot } from '../mailbox-views.ts';

const COLUMNS = `id, name, special_use AS specialUse, uid_validity AS uidValidity, uid_next AS uidNext,
  highest_modseq AS highestModseq, recent_uid AS recentUid, object_id AS objectId`;

type RawMailbox = ImapMailbox;

function fromRow(r: RawMailbox): ImapMailbox {
  return r;
}

export class ImapMailboxStore implements ImapMailboxes {
  private readonly store: SqliteStore;
  private readonly db: Db;
  private readonly listStmt;
  private readonly byNameStmt;
  private readonly byIdStmt;
  private readonly uidsStmt;
  private readonly firstUnseenStmt;
  private readonly countersStmt;
  private readonly recentStmt;
  /** Prepared once: STATUS and every SELECT, claim and report of new mail read or move the floor. */
  private readonly recentUidStmt;
  private readonly setRecentUidStmt;

  constructor(store: SqliteStore) {
    this.store = store;
    this.db = store.db;
    this.listStmt = this.db.prepare(`SELECT ${COLUMNS} FROM mailboxes WHERE account_id = ? ORDER BY name`);
    this.byNameStmt = this.db.prepare(`SELECT ${COLUMNS} FROM mailboxes WHERE account_id = ? AND name = ?`);
    this.byIdStmt = this.db.prepare(`SELECT ${COLUMNS} FROM mailboxes WHERE id = ?`);
    // SELECT's reads (prepared once: each SELECT compiled both before).
    this.uidsStmt = this.db.prepare('SELECT uid FROM messages WHERE mailbox_id = ? ORDER BY uid').pluck();
    this.firstUnseenStmt = this.db.prepare('SELECT min(uid) FROM messages WHERE mailbox_id = ? AND (flags & 1) = 0').pluck();
    this.countersStmt = this.db.prepare(`SELECT count(*) AS messages, coalesce(sum((flags & 1) = 0), 0) AS unseen,
      coalesce(sum((flags & 8) != 0), 0) AS deleted, coalesce(sum(size), 0) AS size FROM messages WHERE mailbox_id = ?`);
    this.recentStmt = this.db.prepare('SELECT count(*) FROM messages WHERE mailbox_id = ? AND uid > ?').pluck();
    this.recentUidStmt = this.db.prepare('SELECT recent_uid FROM mailboxes WHERE id = ?').pluck();
    this.setRecentUidStmt = this.db.prepare('UPDATE mailboxes SET recent_uid = ? WHERE id = ?');
  }

  async list(accountId: number): Promise<ImapMailbox[]> {
    return (this.listStmt.all(accountId) as RawMailbox[]).map(fromRow);
  }

  async byName(accountId: number, name: string): Promise<ImapMailbox | null> {
    const r = this.byNameStmt.get(accountId, name) as RawMailbox | undefined;
    return r ? fromRow(r) : null;
  }

  async byId(mailboxId: number): Promise<ImapMailbox | null> {
    const r = this.byIdStmt.get(mailboxId) as RawMailbox | undefined;
    return r ? fromRow(r) : null;
  }

  async counters(mailboxId: number): Promise<MailboxCounters> {
    return this.countersStmt.get(mailboxId) as MailboxCounters;
  }

  // Synchronous reads on the one connection: nothing commits between them.
  async status(mailboxId: number, counts: boolean): Promise<MailboxStatus | null> {
    const box = this.byIdStmt.get(mailboxId) as RawMailbox | undefined;
    if (!box) return null;
    const recent = this.recentStmt.get(mailboxId, box.recentUid) as number;
    return { uidNext: box.uidNext, uidValidity: box.uidValidity, highestModseq: box.highestModseq, recent,
      counters: counts ? this.countersStmt.get(mailboxId) as MailboxCounters : null };
  }

  /** Creates `name` and any missing parents (RFC 3501 §6.3.3). */
  async create(accountId: number, name: string, specialUse: string | null = null): Promise<ImapMailbox> {
    const now = this.store.clock.now();
    const id = await this.store.write((tx) => {
      if (this.byNameStmt.get(accountId, name)) throw new MailboxExistsError(name);
      const levels = name.split('/');
      for (let i = 1; i < levels.length; i++) {
        const parent = levels.slice(0, i).join('/');
        if (!this.byNameStmt.get(accountId, parent)) createMailboxRow(this.db, accountId, parent, null, now);
      }
      const created = createMailboxRow(this.db, accountId, name, specialUse, now);
      tx.publish({ accountId, mailboxId: created, kind: 'mailboxes', uids: [], modseq: 0 });
      return created;
    });
    return (await this.byId(id))!;
  }

  /** Deletes a mailbox and its messages; refuses INBOX and mailboxes with children. */
  async delete(accountId: number, name: string): Promise<void> {
    await this.store.write((tx) => {
      const box = this.byNameStmt.get(accountId, name) as RawMailbox | undefined;
      if (!box) throw new MailboxNotFoundError(name);
      const child = this.db.prepare("SELECT 1 FROM mailboxes WHERE account_id = ? AND substr(name, 1, ?) = ? LIMIT 1")
        .get(accountId, name.length + 1, name + '/');
      if (child) throw new MailboxHasChildrenError(name);
      const rows = this.db.prepare('SELECT id, content_id AS contentId, size FROM messages WHERE mailbox_id = ?').all(box.id) as { id: number; contentId: number; size: number }[];
      releaseMessages(this.db, accountId, rows);
      this.db.prepare('DELETE FROM vanished WHERE mailbox_id = ?').run(box.id);
      this.db.prepare('DELETE FROM mailboxes WHERE id = ?').run(box.id);
      tx.publish({ accountId, mailboxId: box.id, kind: 'mailboxes', uids: [], modseq: 0 });
    });
  }

  /** Renames a mailbox and its children. Renaming INBOX moves its messages into a new mailbox and
   *  leaves INBOX empty (RFC 3501 §6.3.5). */
  async rename(accountId: number, from: string, to: string): Promise<void> {
    const now = this.store.clock.now();
    await this.store.write((tx) => {
      const box = this.byNameStmt.get(accountId, from) as RawMailbox | undefined;
      if (!box) throw new MailboxNotFoundError(from);
      if (this.byNameStmt.get(accountId, to)) throw new MailboxExistsError(to);
      const levels = to.split('/');
      for (let i = 1; i < levels.length; i++) {
        const parent = levels.slice(0, i).join('/');
        if (parent !== from && !this.byNameStmt.get(accountId, parent)) createMailboxRow(this.db, accountId, parent, null, now);
      }
      if (from === 'INBOX') {
        const target = createMailboxRow(this.db, accountId, to, null, now);
        const moved = moveAllMessages(this.db, accountId, box.id, target, now);
        if (moved.uids.length > 0) {
          tx.publish({ accountId, mailboxId: box.id, kind: 'expunge', uids: moved.uids, modseq: moved.modseq });
        }
      } else {
        const children = this.db.prepare('SELECT id, name FROM mailboxes WHERE account_id = ? AND substr(name, 1, ?) = ?')
          .all(accountId, from.length + 1, from + '/') as { id: number; name: string }[];
        for (const c of children) {
          const newName = to + c.name.slice(from.length);
          if (this.byNameStmt.get(accountId, newName)) throw new MailboxExistsError(newName);
        }
        const rename = this.db.prepare('UPDATE mailboxes SET name = ? WHERE id = ?');
        rename.run(to, box.id);
        for (const c of children) rename.run(to + c.name.slice(from.length), c.id);
        // Subscriptions follow the renamed mailboxes, so clients that list subscribed ones keep them.
        this.db.prepare(`UPDATE OR REPLACE subscriptions SET name = ? || substr(name, ?)
          WHERE account_id = ? AND (name = ? OR substr(name, 1, ?) = ?)`).run(to, from.length + 1, accountId, from, from.length + 1, from + '/');
      }
      tx.publish({ accountId, mailboxId: box.id, kind: 'mailboxes', uids: [], modseq: 0 });
    });
  }

  /** The account's subscribed names, whether or not such mailboxes exist. */
  async subscriptions(accountId: number): Promise<string[]> {
    return this.db.prepare('SELECT name FROM subscriptions WHERE account_id = ? ORDER BY name').pluck().all(accountId) as string[];
  }

  /** SUBSCRIBE adds the name, UNSUBSCRIBE removes it (false when it was not subscribed). */
  async setSubscribed(accountId: number, name: string, subscribed: boolean): Promise<boolean> {
    return this.store.write(() => {
      const r = subscribed
        ? this.db.prepare('INSERT OR IGNORE INTO subscriptions (account_id, name) VALUES (?, ?)').run(accountId, name)
        : this.db.prepare('DELETE FROM subscriptions WHERE account_id = ? AND name = ?').run(accountId, name);
      return subscribed || r.changes > 0;
    });
  }

  /** RFC 3501 §2.3.2: a message is \Recent in exactly one session, the first read-write one to see
   *  it. Claims every UID up to `upTo` for the caller and returns the floor it had before (UIDs
   *  above it up to `upTo` are the caller's). Committed, so it holds across a restart; it does not
   *  wait for the fsync (a light write): the claim answers no client's data, and one lost in a
   *  power cut only shows those messages as \Recent once more, while waiting would hold every
   *  idler's EXISTS for new mail behind a second fsync after the delivery's own. */
  async claimRecent(mailboxId: number, upTo: number): Promise<number> {
    // The floor only grows: when it is already at upTo there is nothing to claim and nothing to write.
    const floor = await this.recentFloor(mailboxId);
    if (upTo <= floor) return floor;
    return this.store.writeLight(() => {
      const r = this.recentUidStmt.get(mailboxId) as number | undefined;
      if (r === undefined) return upTo;
      if (upTo > r) this.setRecentUidStmt.run(upTo, mailboxId);
      return r;
    });
  }

  /** SELECT (claim = true: claims \Recent up to the last UID, RFC 3501 §2.3.2) or EXAMINE (claim =
   *  false) in one read; null when there is no such mailbox. The claim is a write: when it fails
   *  the caller can select again without it. */
  async selectSnapshot(accountId: number, name: string, claim: boolean): Promise<SelectSnapshot | null> {
    const read = (): SelectSnapshot | null => {
      const box = this.byNameStmt.get(accountId, name) as RawMailbox | undefined;
      if (!box) return null;
      const uids = this.uidsStmt.all(box.id) as number[];
      const firstUnseen = this.firstUnseenStmt.get(box.id) as number | null;
      const lists = keywordLists(this.db, box.id);
      return { mailbox: fromRow(box), uids, firstUnseenUid: firstUnseen ?? null, keywords: distinctKeywords(lists), recentFloor: box.recentUid };
    };
    // Reads alone are one snapshot (synchronous); a claim re-reads inside its write transaction.
    const view = read();
    if (!view || !claim || lastOf(view.uids) <= view.recentFloor) return view;
    return this.store.write(() => {
      const v = read();
      if (v && lastOf(v.uids) > v.recentFloor) {
        this.setRecentUidStmt.run(lastOf(v.uids), v.mailbox.id);
      }
      return v;
    });
  }

  /** The claimed-recent floor without claiming (EXAMINE, STATUS). */
  async recentFloor(mailboxId: number): Promise<number> {
    return (this.recentUidStmt.get(mailboxId) as number | undefined) ?? 0;
  }

  /** The account's quota (0 = unlimited) and usage, in bytes. */
  async quota(accountId: number): Promise<{ limit: number; used: number }> {
    return stmt(this.db, 'SELECT quota_bytes AS "limit", used_bytes AS used FROM accounts WHERE id = ?').get(accountId) as { limit: number; used: number };
  }
}

function lastOf(uids: readonly number[]): number {
  return uids.length > 0 ? uids[uids.length - 1]! : 0;
}

/** Moves every message of `fromId` into `toId` with new UIDs, keeping flags and EMAILIDs (the rows
 *  stay) and saved at `now` (RFC 8514 §2: a save date is when the message came to its mailbox);
 *  returns the old UIDs. */
function moveAllMessages(db: Db, accountId: number, fromId: number, toId: number, now: number): { uids: number[]; modseq: number } {
  const rows = db.prepare('SELECT id, uid FROM messages WHERE mailbox_id = ? ORDER BY uid').all(fromId) as { id: number; uid: number }[];
  if (rows.length === 0) return { uids: [], modseq: 0 };
  const modseq = tombstone(db, accountId, fromId, rows);
  const { first } = allocateUids(db, toId, rows.length, modseq);
  const move = db.prepare('UPDATE messages SET mailbox_id = ?, uid = ?, modseq = ?, save_date = ? WHERE id = ?');
  rows.forEach((r, i) => move.run(toId, first + i, modseq, now, r.id));
  return { uids: rows.map((r) => r.uid), modseq };
}
