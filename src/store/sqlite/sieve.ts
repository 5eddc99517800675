// Sieve scripts of each account, the vacation memory and the duplicate tracker. Always true: at
// most one script per account is active (a partial unique index enforces it); activating one
// deactivates the others in the same transaction; the vacation and duplicate rows are keyed per
// account and expire by time, so a reply is remembered for exactly its :days or :seconds.
import { stmt } from './statements.ts';
import type { Db } from './open.ts';
import type { Clock } from '../../clock.ts';
import type { Sieve } from '../api.ts';
import { SieveScriptActiveError, SieveScriptExistsError, SieveScriptNotFoundError, type SieveScriptRow } from '../sieve.ts';

export class SieveStore implements Sieve {
  private readonly db: Db;
  private readonly clock: Clock;

  constructor(db: Db, clock: Clock) {
    this.db = db;
    this.clock = clock;
  }

  async list(accountId: number): Promise<SieveScriptRow[]> {
    const rows = stmt(this.db, 'SELECT name, active, length(CAST(script AS BLOB)) AS size, updated_at AS updatedAt FROM sieve_scripts WHERE account_id = ? ORDER BY name')
      .all(accountId) as { name: string; active: number; size: number; updatedAt: number }[];
    return rows.map((r) => ({ ...r, active: r.active === 1 }));
  }

  async get(accountId: number, name: string): Promise<string | null> {
    const r = stmt(this.db, 'SELECT script FROM sieve_scripts WHERE account_id = ? AND name = ?').get(accountId, name) as { script: string } | undefined;
    return r ? r.script : null;
  }

  /** The active script, or null: what delivery runs. */
  async active(accountId: number): Promise<{ name: string; script: string } | null> {
    return (stmt(this.db, 'SELECT name, script FROM sieve_scripts WHERE account_id = ? AND active = 1').get(accountId) as { name: string; script: string } | undefined) ?? null;
  }

  /** Bytes used by the account's scripts, leaving out `except` (the one about to be replaced). */
  async usage(accountId: number, except?: string): Promise<{ scripts: number; bytes: number }> {
    const r = stmt(this.db, `SELECT count(*) AS scripts, coalesce(sum(length(CAST(script AS BLOB))), 0) AS bytes FROM sieve_scripts
      WHERE account_id = ? AND name != ?`).get(accountId, except ?? '\0') as { scripts: number; bytes: number };
    return r;
  }

  /** Stores (creates or replaces) a script; the caller has compiled it. */
  async put(accountId: number, name: string, script: string): Promise<void> {
    const now = this.clock.now();
    stmt(this.db, `INSERT INTO sieve_scripts (account_id, name, script, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (account_id, name) DO UPDATE SET script = excluded.script, updated_at = excluded.updated_at`).run(accountId, name, script, now, now);
  }

  /** Makes `name` the active script (RFC 5804 §2.8); null deactivates all. */
  async setActive(accountId: number, name: string | null): Promise<void> {
    this.db.transaction(() => {
      if (name !== null && !stmt(this.db, 'SELECT 1 FROM sieve_scripts WHERE account_id = ? AND name = ?').get(accountId, name)) {
        throw new SieveScriptNotFoundError(name);
      }
      stmt(this.db, 'UPDATE sieve_scripts SET active = 0 WHERE account_id = ? AND active = 1').run(accountId);
      if (name !== null) stmt(this.db, 'UPDATE sieve_scripts SET active = 1 WHERE account_id = ? AND name = ?').run(accountId, name);
    })();
  }

  /** RFC 5804 §2.10: the active script cannot be deleted. */
  async delete(accountId: number, name: string): Promise<void> {
    const r = stmt(this.db, 'SELECT active FROM sieve_scripts WHERE account_id = ? AND name = ?').get(accountId, name) as { active: number } | undefined;
    if (!r) throw new SieveScriptNotFoundError(name);
    if (r.active === 1) throw new SieveScriptActiveError(name);
    stmt(this.db, 'DELETE FROM sieve_scripts WHERE account_id = ? AND name = ?').run(accountId, name);
  }

  /** RFC 5804 §2.11.1: renaming keeps the active flag; the new name must be free. */
  async rename(accountId: number, from: string, to: string): Promise<void> {
    this.db.transaction(() => {
      if (!stmt(this.db, 'SELECT 1 FROM sieve_scripts WHERE account_id = ? AND name = ?').get(accountId, from)) throw new SieveScriptNotFoundError(from);
      if (stmt(this.db, 'SELECT 1 FROM sieve_scripts WHERE account_id = ? AND name = ?').get(accountId, to)) throw new SieveScriptExistsError(to);
      stmt(this.db, 'UPDATE sieve_scripts SET name = ?, updated_at = ? WHERE account_id = ? AND name = ?').run(to, this.clock.now(), accountId, from);
    })();
  }

  /** RFC 5230 §4.2: true when `sender` got a reply with `handle` that has not expired. */
  async vacationRecent(accountId: number, sender: string, handle: string, now: number): Promise<boolean> {
    return stmt(this.db, 'SELECT 1 FROM sieve_vacation_replies WHERE account_id = ? AND sender = ? AND handle = ? AND expires_at > ?')
      .get(accountId, sender.toLowerCase(), handle, now) !== undefined;
  }

  /**
   * Claims the right to reply: true (and remembered until now + seconds) when no unexpired reply
   * exists, false otherwise. One statement, so two deliveries at once cannot both reply.
   */
  async claimVacation(accountId: number, sender: string, handle: string, now: number, seconds: number): Promise<boolean> {
    const r = stmt(this.db, `INSERT INTO sieve_vacation_replies (account_id, sender, handle, expires_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (account_id, sender, handle) DO UPDATE SET expires_at = excluded.expires_at WHERE sieve_vacation_replies.expires_at <= ?`)
      .run(accountId, sender.toLowerCase(), handle, now + seconds * 1000, now);
    return r.changes > 0;
  }

  async duplicateSeen(accountId: number, key: string, now: number): Promise<boolean> {
    return stmt(this.db, 'SELECT 1 FROM sieve_duplicates WHERE account_id = ? AND key = ? AND expires_at > ?').get(accountId, key, now) !== undefined;
  }

  /** RFC 7352 §3: remember ids after delivery; `refresh` false keeps an unexpired entry's expiry. */
  async recordDuplicates(accountId: number, records: { key: string; seconds: number; refresh: boolean }[], now: number): Promise<void> {
    if (records.length === 0) return;
    const upsert = stmt(this.db, `INSERT INTO sieve_duplicates (account_id, key, expires_at) VALUES (?, ?, ?)
      ON CONFLICT (account_id, key) DO UPDATE SET expires_at = excluded.expires_at WHERE ? OR sieve_duplicates.expires_at <= ?`);
    this.db.transaction(() => {
      for (const r of records) upsert.run(accountId, r.key, now + r.seconds * 1000, r.refresh ? 1 : 0, now);
      // Expired rows of this account go as new ones come: the table stays the size of the live window.
      stmt(this.db, 'DELETE FROM sieve_duplicates WHERE account_id = ? AND expires_at <= ?').run(accountId, now);
    })();
  }
}
