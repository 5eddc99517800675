// The SQL of URLAUTH mailbox access keys (RFC 4467 §7): one row per mailbox that has a key. Always
// true: a key is returned only for the mailbox incarnation it was made for (its UIDVALIDITY) and
// only to its account; ensure() never replaces a key that exists, so two sessions generating URLs
// at once agree on one key; the rows go with their mailbox and account (ON DELETE CASCADE).
import type { Db } from './open.ts';
import type { WriteContext } from './group-commit.ts';
import type { Clock } from '../../clock.ts';
import type { UrlAuthKeys } from '../api.ts';
import { stmt } from './statements.ts';

export class UrlAuthKeyStore implements UrlAuthKeys {
  private readonly db: Db;
  private readonly clock: Clock;
  private readonly write: <T>(work: (tx: WriteContext) => T) => Promise<T>;

  constructor(db: Db, clock: Clock, write: <T>(work: (tx: WriteContext) => T) => Promise<T>) {
    this.db = db;
    this.clock = clock;
    this.write = write;
  }

  private read(accountId: number, mailboxId: number, uidValidity: number): Buffer | null {
    const row = stmt(this.db, 'SELECT key FROM urlauth_keys WHERE mailbox_id = ? AND account_id = ? AND uid_validity = ?')
      .get(mailboxId, accountId, uidValidity) as { key: Buffer } | undefined;
    return row ? Buffer.from(row.key) : null;
  }

  async key(accountId: number, mailboxId: number, uidValidity: number): Promise<Buffer | null> {
    return this.read(accountId, mailboxId, uidValidity);
  }

  ensure(accountId: number, mailboxId: number, uidValidity: number, fresh: Buffer): Promise<Buffer | null> {
    return this.write(() => {
      stmt(this.db, `INSERT INTO urlauth_keys (mailbox_id, account_id, uid_validity, key, created_at)
        SELECT id, account_id, uid_validity, ?, ? FROM mailboxes WHERE id = ? AND account_id = ? AND uid_validity = ?
        ON CONFLICT (mailbox_id) DO NOTHING`).run(fresh, this.clock.now(), mailboxId, accountId, uidValidity);
      return this.read(accountId, mailboxId, uidValidity);
    });
  }

  replace(accountId: number, mailboxId: number, uidValidity: number, fresh: Buffer): Promise<boolean> {
    return this.write(() => stmt(this.db, `INSERT INTO urlauth_keys (mailbox_id, account_id, uid_validity, key, created_at)
        SELECT id, account_id, uid_validity, ?, ? FROM mailboxes WHERE id = ? AND account_id = ? AND uid_validity = ?
        ON CONFLICT (mailbox_id) DO UPDATE SET key = excluded.key, uid_validity = excluded.uid_validity, created_at = excluded.created_at`)
      .run(fresh, this.clock.now(), mailboxId, accountId, uidValidity).changes > 0);
  }

  removeAll(accountId: number): Promise<number> {
    return this.write(() => stmt(this.db, 'DELETE FROM urlauth_keys WHERE account_id = ?').run(accountId).changes);
  }
}
