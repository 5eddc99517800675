// Accounts: an address, its password hash (PHC string), its quota, and the mailboxes every new
// account gets — INBOX and the RFC 6154 special-use folders, all subscribed, because Thunderbird
// shows only subscribed folders by default (CLIENTS.md).
import { stmt } from './statements.ts';
import type { Db } from './open.ts';
import type { Clock } from '../../clock.ts';
import { deleteAccountRows } from './domains.ts';
import type { Accounts } from '../api.ts';
import { DEFAULT_MAILBOXES, type AccountRow } from '../accounts.ts';
import { newMailboxId } from '../object-ids.ts';

const COLUMNS = 'id, address, domain_id AS domainId, password_hash AS passwordHash, quota_bytes AS quotaBytes, used_bytes AS usedBytes, created_at AS createdAt';

export class AccountStore implements Accounts {
  private readonly db: Db;
  private readonly clock: Clock;

  constructor(db: Db, clock: Clock) {
    this.db = db;
    this.clock = clock;
  }

  async add(address: string, domainId: number, passwordHash: string): Promise<AccountRow> {
    const now = this.clock.now();
    const id = this.db.transaction(() => {
      const { lastInsertRowid } = stmt(this.db, 'INSERT INTO accounts (domain_id, address, password_hash, created_at) VALUES (?, ?, ?, ?)')
        .run(domainId, address, passwordHash, now);
      const accountId = Number(lastInsertRowid);
      for (const box of DEFAULT_MAILBOXES) {
        createMailboxRow(this.db, accountId, box.name, box.specialUse, now);
        subscribeName(this.db, accountId, box.name);
      }
      return accountId;
    })();
    return (await this.byId(id))!;
  }

  async byId(id: number): Promise<AccountRow | null> {
    return (stmt(this.db, `SELECT ${COLUMNS} FROM accounts WHERE id = ?`).get(id) as AccountRow | undefined) ?? null;
  }

  async byAddress(address: string): Promise<AccountRow | null> {
    return (stmt(this.db, `SELECT ${COLUMNS} FROM accounts WHERE address = ?`).get(address) as AccountRow | undefined) ?? null;
  }

  async list(domainId?: number): Promise<AccountRow[]> {
    return domainId === undefined
      ? stmt(this.db, `SELECT ${COLUMNS} FROM accounts ORDER BY address`).all() as AccountRow[]
      : stmt(this.db, `SELECT ${COLUMNS} FROM accounts WHERE domain_id = ? ORDER BY address`).all(domainId) as AccountRow[];
  }

  async setPassword(id: number, passwordHash: string): Promise<void> {
    stmt(this.db, 'UPDATE accounts SET password_hash = ? WHERE id = ?').run(passwordHash, id);
  }

  async setQuota(id: number, quotaBytes: number): Promise<void> {
    stmt(this.db, 'UPDATE accounts SET quota_bytes = ? WHERE id = ?').run(quotaBytes, id);
  }

  async remove(id: number): Promise<void> {
    this.db.transaction(() => deleteAccountRows(this.db, id))();
  }
}

/** Adds a subscription (a name, RFC 3501 §6.3.6); a no-op when it is already there. */
export function subscribeName(db: Db, accountId: number, name: string): void {
  stmt(db, 'INSERT OR IGNORE INTO subscriptions (account_id, name) VALUES (?, ?)').run(accountId, name);
}

/** Creates a mailbox with a fresh UIDVALIDITY from the database-wide counter and a new MAILBOXID (RFC 8474 §4). */
export function createMailboxRow(db: Db, accountId: number, name: string, specialUse: string | null, now: number): number {
  const { value } = stmt(db, "UPDATE counters SET value = value + 1 WHERE name = 'uid_validity' RETURNING value").get() as { value: number };
  const { lastInsertRowid } = stmt(db, 'INSERT INTO mailboxes (account_id, name, special_use, uid_validity, created_at, object_id) VALUES (?, ?, ?, ?, ?, ?)')
    .run(accountId, name, specialUse, value, now, newMailboxId());
  return Number(lastInsertRowid);
}
