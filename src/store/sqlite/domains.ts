// Domains and their DKIM keys. A domain's name is stored as a lowercase A-label.
import { stmt } from './statements.ts';
import { releaseMessages } from './message-rows.ts';
import type { Db } from './open.ts';
import type { Clock } from '../../clock.ts';
import type { Domains } from '../api.ts';
import type { DkimKey, DomainRow } from '../domains.ts';

export class DomainStore implements Domains {
  private readonly db: Db;
  private readonly clock: Clock;

  constructor(db: Db, clock: Clock) {
    this.db = db;
    this.clock = clock;
  }

  async add(name: string, keys: DkimKey[]): Promise<DomainRow> {
    const now = this.clock.now();
    const id = this.db.transaction(() => {
      const { lastInsertRowid } = stmt(this.db, 'INSERT INTO domains (name, created_at) VALUES (?, ?)').run(name, now);
      const insertKey = stmt(this.db, 'INSERT INTO dkim_keys (domain_id, selector, algorithm, private_key, public_key, created_at) VALUES (?, ?, ?, ?, ?, ?)');
      for (const k of keys) insertKey.run(lastInsertRowid, k.selector, k.algorithm, k.privateKeyPem, k.publicKey, now);
      return Number(lastInsertRowid);
    })();
    return { id, name, createdAt: now, accounts: 0, aliases: 0 };
  }

  async list(): Promise<DomainRow[]> {
    return stmt(this.db, `
      SELECT d.id, d.name, d.created_at AS createdAt,
        (SELECT count(*) FROM accounts a WHERE a.domain_id = d.id) AS accounts,
        (SELECT count(*) FROM aliases l WHERE l.domain_id = d.id) AS aliases
      FROM domains d ORDER BY d.name`).all() as DomainRow[];
  }

  async find(name: string): Promise<DomainRow | null> {
    return (await this.list()).find((d) => d.name === name) ?? null;
  }

  /** Removes the domain, its aliases and keys; accounts (with their mail) only when force is set. */
  async remove(id: number, force: boolean): Promise<void> {
    this.db.transaction(() => {
      if (force) {
        for (const { id: accountId } of stmt(this.db, 'SELECT id FROM accounts WHERE domain_id = ?').all(id) as { id: number }[]) {
          deleteAccountRows(this.db, accountId);
        }
      }
      stmt(this.db, 'DELETE FROM aliases WHERE domain_id = ?').run(id);
      stmt(this.db, 'DELETE FROM domains WHERE id = ?').run(id);
    })();
  }

  async dkimKeys(domain: string): Promise<DkimKey[]> {
    return stmt(this.db, `
      SELECT k.selector, k.algorithm, k.private_key AS privateKeyPem, k.public_key AS publicKey
      FROM dkim_keys k JOIN domains d ON d.id = k.domain_id WHERE d.name = ? ORDER BY k.algorithm DESC, k.selector`).all(domain) as DkimKey[];
  }

  async isLocal(domain: string): Promise<boolean> {
    return stmt(this.db, 'SELECT 1 FROM domains WHERE name = ?').get(domain) !== undefined;
  }
}

/** Deletes an account with its mailboxes and messages, releasing the content they held. */
export function deleteAccountRows(db: Db, accountId: number): void {
  const rows = stmt(db, `SELECT m.id, m.content_id AS contentId, m.size FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id
    WHERE b.account_id = ?`).all(accountId) as { id: number; contentId: number; size: number }[];
  releaseMessages(db, accountId, rows);
  stmt(db, 'UPDATE queue_messages SET account_id = NULL WHERE account_id = ?').run(accountId);
  stmt(db, 'DELETE FROM mailboxes WHERE account_id = ?').run(accountId);
  stmt(db, 'DELETE FROM accounts WHERE id = ?').run(accountId);
}
