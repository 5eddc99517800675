// The PostgreSQL engine's sieve area (the interface is Sieve in src/store/api.ts), ported statement
// by statement from src/store/sqlite/sieve.ts. Always true: at most one script per account is active (the
// partial unique index sieve_scripts_active enforces it, across nodes too); activating one
// deactivates the others in the same transaction; the vacation and duplicate rows are keyed per
// account and expire by time; claiming a vacation reply is one statement, so two deliveries on two
// nodes cannot both reply (the primary key makes the second INSERT wait for the first and then
// take the conflict branch, whose WHERE sees the first one's unexpired row).
import type { Sieve } from '../api.ts';
import { SieveScriptActiveError, SieveScriptExistsError, SieveScriptNotFoundError, type SieveScriptRow } from '../sieve.ts';
import type { PgContext } from './context.ts';

export class PgSieve implements Sieve {
  private readonly ctx: PgContext;

  constructor(ctx: PgContext) {
    this.ctx = ctx;
  }

  async list(accountId: number): Promise<SieveScriptRow[]> {
    const rows = await this.ctx.sql<{ name: string; active: number; size: number; updatedAt: number }[]>`
      SELECT name, active, octet_length(script) AS size, updated_at AS "updatedAt" FROM sieve_scripts WHERE account_id = ${accountId} ORDER BY name COLLATE "C"`;
    return rows.map((r) => ({ ...r, active: r.active === 1 }));
  }

  async get(accountId: number, name: string): Promise<string | null> {
    const [r] = await this.ctx.sql<{ script: string }[]>`SELECT script FROM sieve_scripts WHERE account_id = ${accountId} AND name = ${name}`;
    return r ? r.script : null;
  }

  /** The active script, or null: what delivery runs. */
  async active(accountId: number): Promise<{ name: string; script: string } | null> {
    const [r] = await this.ctx.sql<{ name: string; script: string }[]>`SELECT name, script FROM sieve_scripts WHERE account_id = ${accountId} AND active = 1`;
    return r ? { name: r.name, script: r.script } : null;
  }

  /** Bytes used by the account's scripts, leaving out `except` (the one about to be replaced). */
  async usage(accountId: number, except?: string): Promise<{ scripts: number; bytes: number }> {
    // SQLite's sentinel for "no exception" is '\0', which PostgreSQL text cannot hold: NULL instead.
    const skip = except ?? null;
    const [r] = await this.ctx.sql<{ scripts: number; bytes: number }[]>`SELECT count(*) AS scripts, coalesce(sum(octet_length(script)), 0) AS bytes
      FROM sieve_scripts WHERE account_id = ${accountId} AND (${skip}::text IS NULL OR name != ${skip}::text)`;
    return { scripts: r!.scripts, bytes: r!.bytes };
  }

  /** Stores (creates or replaces) a script; the caller has compiled it. */
  async put(accountId: number, name: string, script: string): Promise<void> {
    const now = this.ctx.clock.now();
    await this.ctx.write(async (tx) => {
      await tx`INSERT INTO sieve_scripts (account_id, name, script, created_at, updated_at) VALUES (${accountId}, ${name}, ${script}, ${now}, ${now})
        ON CONFLICT (account_id, name) DO UPDATE SET script = excluded.script, updated_at = excluded.updated_at`;
    });
  }

  /** Makes `name` the active script (RFC 5804 §2.8); null deactivates all. */
  async setActive(accountId: number, name: string | null): Promise<void> {
    await this.ctx.write(async (tx) => {
      // The account's rows are locked first, so two SETACTIVEs at once run one after the other.
      const rows = await tx<{ name: string }[]>`SELECT name FROM sieve_scripts WHERE account_id = ${accountId} ORDER BY id FOR UPDATE`;
      if (name !== null && !rows.some((r) => r.name === name)) throw new SieveScriptNotFoundError(name);
      await tx`UPDATE sieve_scripts SET active = 0 WHERE account_id = ${accountId} AND active = 1`;
      if (name !== null) await tx`UPDATE sieve_scripts SET active = 1 WHERE account_id = ${accountId} AND name = ${name}`;
    });
  }

  /** RFC 5804 §2.10: the active script cannot be deleted. */
  async delete(accountId: number, name: string): Promise<void> {
    await this.ctx.write(async (tx) => {
      const [r] = await tx<{ active: number }[]>`SELECT active FROM sieve_scripts WHERE account_id = ${accountId} AND name = ${name} FOR UPDATE`;
      if (!r) throw new SieveScriptNotFoundError(name);
      if (r.active === 1) throw new SieveScriptActiveError(name);
      await tx`DELETE FROM sieve_scripts WHERE account_id = ${accountId} AND name = ${name}`;
    });
  }

  /** RFC 5804 §2.11.1: renaming keeps the active flag; the new name must be free. */
  async rename(accountId: number, from: string, to: string): Promise<void> {
    const now = this.ctx.clock.now();
    await this.ctx.write(async (tx) => {
      const rows = await tx<{ name: string }[]>`SELECT name FROM sieve_scripts WHERE account_id = ${accountId} AND name IN (${from}, ${to}) FOR UPDATE`;
      if (!rows.some((r) => r.name === from)) throw new SieveScriptNotFoundError(from);
      if (rows.some((r) => r.name === to)) throw new SieveScriptExistsError(to);
      try {
        await tx.savepoint((sp) => sp`UPDATE sieve_scripts SET name = ${to}, updated_at = ${now} WHERE account_id = ${accountId} AND name = ${from}`);
      } catch (err) {
        // Another node created `to` between the check and the update: the same answer as the check.
        if ((err as { code?: string }).code === '23505') throw new SieveScriptExistsError(to);
        throw err;
      }
    });
  }

  /** RFC 5230 §4.2: true when `sender` got a reply with `handle` that has not expired. */
  async vacationRecent(accountId: number, sender: string, handle: string, now: number): Promise<boolean> {
    const rows = await this.ctx.sql`SELECT 1 FROM sieve_vacation_replies
      WHERE account_id = ${accountId} AND sender = ${sender.toLowerCase()} AND handle = ${handle} AND expires_at > ${now}`;
    return rows.length > 0;
  }

  /**
   * Claims the right to reply: true (and remembered until now + seconds) when no unexpired reply
   * exists, false otherwise. One statement, so two deliveries at once, on any nodes, cannot both reply.
   */
  async claimVacation(accountId: number, sender: string, handle: string, now: number, seconds: number): Promise<boolean> {
    const rows = await this.ctx.sql`INSERT INTO sieve_vacation_replies (account_id, sender, handle, expires_at)
      VALUES (${accountId}, ${sender.toLowerCase()}, ${handle}, ${now + seconds * 1000})
      ON CONFLICT (account_id, sender, handle) DO UPDATE SET expires_at = excluded.expires_at WHERE sieve_vacation_replies.expires_at <= ${now}
      RETURNING 1`;
    return rows.length > 0;
  }

  async duplicateSeen(accountId: number, key: string, now: number): Promise<boolean> {
    const rows = await this.ctx.sql`SELECT 1 FROM sieve_duplicates WHERE account_id = ${accountId} AND key = ${key} AND expires_at > ${now}`;
    return rows.length > 0;
  }

  /** RFC 7352 §3: remember ids after delivery; `refresh` false keeps an unexpired entry's expiry. */
  async recordDuplicates(accountId: number, records: { key: string; seconds: number; refresh: boolean }[], now: number): Promise<void> {
    if (records.length === 0) return;
    await this.ctx.write(async (tx) => {
      // One upsert per record, in order, as on SQLite: the same key twice in one call is applied twice.
      for (const r of records) {
        await tx`INSERT INTO sieve_duplicates (account_id, key, expires_at) VALUES (${accountId}, ${r.key}, ${now + r.seconds * 1000})
          ON CONFLICT (account_id, key) DO UPDATE SET expires_at = excluded.expires_at WHERE ${r.refresh} OR sieve_duplicates.expires_at <= ${now}`;
      }
      // Expired rows of this account go as new ones come: the table stays the size of the live window.
      await tx`DELETE FROM sieve_duplicates WHERE account_id = ${accountId} AND expires_at <= ${now}`;
    });
  }
}
