// The PostgreSQL engine's shared state (src/store/api.ts SharedState), what makes the POP3 lock,
// IMAP session slots, the login throttle, send counters and the MTA-STS cache hold across nodes.
// Same tables and meanings as SQLite's (src/store/sqlite/shared.ts). What must stay true: two nodes
// taking places under one lease name at once are serialized by a transaction-scoped advisory lock
// on that name, so the capacity is never exceeded; everything else is one statement (upserts with
// ON CONFLICT … DO UPDATE), so the hot paths (the throttle read on every login, a session slot on
// every IMAP login and logout) cost one round trip.
import type { Clock } from '../../clock.ts';
import type { Lease, SharedState } from '../api.ts';
import { counterBucket, LeaseBook, type LeaseEngine } from '../shared.ts';
import type { PgContext } from './context.ts';

/** The first key of the two-key advisory locks on lease names ("shar" in ASCII): a space of its own. */
const LEASE_LOCK_SPACE = 0x73686172;

export class PgShared implements SharedState, LeaseEngine {
  private readonly ctx: PgContext;
  private readonly clock: Clock;
  readonly leases: LeaseBook;

  constructor(ctx: PgContext) {
    this.ctx = ctx;
    this.clock = ctx.clock;
    this.leases = new LeaseBook(this, ctx.clock);
  }

  acquire(name: string, capacity: number): Promise<Lease | null> {
    return this.leases.acquire(name, capacity);
  }

  async take(name: string, holder: string, node: string, capacity: number, now: number, expiresAt: number): Promise<boolean> {
    return this.ctx.write(async (tx) => {
      // A lease lost to a crash of the server is harmless (its sessions are gone too): no WAL flush wait.
      await tx`SET LOCAL synchronous_commit = off`;
      await tx`SELECT pg_advisory_xact_lock(${LEASE_LOCK_SPACE}::int, hashtext(${name}))`;
      const rows = await tx`
        WITH gone AS (DELETE FROM shared_leases WHERE name = ${name} AND expires_at <= ${now})
        INSERT INTO shared_leases (name, holder, node, expires_at)
        SELECT ${name}, ${holder}, ${node}, ${expiresAt}
        WHERE (SELECT count(*) FROM shared_leases WHERE name = ${name} AND expires_at > ${now}) < ${capacity}
        RETURNING 1`;
      return rows.length === 1;
    });
  }

  async drop(name: string, holder: string): Promise<void> {
    await this.ctx.sql`DELETE FROM shared_leases WHERE name = ${name} AND holder = ${holder}`;
  }

  async renew(node: string, now: number, expiresAt: number): Promise<void> {
    await this.ctx.sql`UPDATE shared_leases SET expires_at = ${expiresAt} WHERE node = ${node} AND expires_at > ${now}`;
    await this.ctx.sql`DELETE FROM shared_leases WHERE expires_at <= ${now}`;
    await this.ctx.sql`DELETE FROM shared_counters WHERE expires_at <= ${now}`;
    await this.ctx.sql`DELETE FROM shared_cache WHERE expires_at <= ${now}`;
  }

  async dropNode(node: string): Promise<void> {
    await this.ctx.sql`DELETE FROM shared_leases WHERE node = ${node}`;
  }

  // One statement: the subquery sees the rows as they were before this insert, so the other
  // buckets' sum plus the bucket's new count is the total with this add.
  async countAdd(name: string, n: number, windowMs: number): Promise<number> {
    const now = this.clock.now();
    const { bucket, expiresAt } = counterBucket(windowMs, now);
    const [row] = await this.ctx.sql`
      WITH up AS (
        INSERT INTO shared_counters (name, bucket, count, expires_at) VALUES (${name}, ${bucket}, ${n}, ${expiresAt})
        ON CONFLICT (name, bucket) DO UPDATE SET count = shared_counters.count + excluded.count
        RETURNING count)
      SELECT (SELECT count FROM up) + coalesce((SELECT sum(count) FROM shared_counters
        WHERE name = ${name} AND bucket <> ${bucket} AND expires_at > ${now}), 0) AS total`;
    return Number(row!.total);
  }

  // The check and the add in one transaction under the name's advisory lock: two nodes at the
  // limit cannot both add.
  async countAddWithin(name: string, windowMs: number, limit: number): Promise<boolean> {
    const now = this.clock.now();
    const { bucket, expiresAt } = counterBucket(windowMs, now);
    return this.ctx.write(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${LEASE_LOCK_SPACE}::int, hashtext(${name}))`;
      const rows = await tx`
        INSERT INTO shared_counters (name, bucket, count, expires_at)
        SELECT ${name}, ${bucket}, 1, ${expiresAt}
        WHERE (SELECT coalesce(sum(count), 0) FROM shared_counters WHERE name = ${name} AND expires_at > ${now}) < ${limit}
        ON CONFLICT (name, bucket) DO UPDATE SET count = shared_counters.count + 1
        RETURNING 1`;
      return rows.length === 1;
    });
  }

  async countSum(names: readonly string[]): Promise<number[]> {
    const rows = await this.ctx.sql`SELECT name, sum(count) AS total FROM shared_counters
      WHERE name = ANY(${names as string[]}) AND expires_at > ${this.clock.now()} GROUP BY name`;
    const totals = new Map<string, number>(rows.map((r) => [r.name as string, Number(r.total)]));
    return names.map((n) => totals.get(n) ?? 0);
  }

  async countReset(name: string): Promise<void> {
    await this.ctx.sql`DELETE FROM shared_counters WHERE name = ${name}`;
  }

  async cacheGet(names: readonly string[]): Promise<(string | null)[]> {
    const rows = await this.ctx.sql`SELECT name, value FROM shared_cache WHERE name = ANY(${names as string[]}) AND expires_at > ${this.clock.now()}`;
    const values = new Map<string, string>(rows.map((r) => [r.name as string, r.value as string]));
    return names.map((n) => values.get(n) ?? null);
  }

  async cachePut(name: string, value: string, ttlMs: number): Promise<void> {
    await this.ctx.sql`INSERT INTO shared_cache (name, value, expires_at) VALUES (${name}, ${value}, ${this.clock.now() + ttlMs})
      ON CONFLICT (name) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`;
  }
}
