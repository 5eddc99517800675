// The SQLite engine's shared state (src/store/api.ts SharedState): leases, windowed counters and a
// keyed cache in three small tables, so every process on the data directory agrees, as the
// PostgreSQL engine's nodes do (src/store/postgres/shared.ts). What must stay true: a lease name
// never has more unexpired holders than the capacity asked for; a held lease is renewed by its
// node (LeaseBook) until released and expires SHARED_LEASE_TTL_MS after its node stopped renewing;
// a counter counts exactly what was added within its window, to one bucket's precision.
import crypto from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { Db } from './open.ts';
import type { Lease, SharedState } from './api.ts';
import { stmt } from './statements.ts';
import { SHARED_COUNTER_BUCKETS, SHARED_LEASE_RENEW_MS, SHARED_LEASE_TTL_MS } from '../limits.ts';

/** Where a counter add for `windowMs` at `now` goes, and until when that bucket counts. */
export function counterBucket(windowMs: number, now: number): { bucket: number; expiresAt: number } {
  const size = Math.max(1, Math.floor(windowMs / SHARED_COUNTER_BUCKETS));
  const bucket = Math.floor(now / size) * size;
  return { bucket, expiresAt: bucket + size + windowMs };
}

/** What an engine does for the leases of one node. */
export interface LeaseEngine {
  /** Inserts the holder's lease unless `capacity` unexpired ones exist; true when inserted. */
  take(name: string, holder: string, node: string, capacity: number, now: number, expiresAt: number): Promise<boolean>;
  drop(name: string, holder: string): Promise<void>;
  /** Extends every unexpired lease of the node (one statement) and deletes expired rows of all tables. */
  renew(node: string, now: number, expiresAt: number): Promise<void>;
  dropNode(node: string): Promise<void>;
}

/**
 * The leases this node holds, whichever engine: a holder id per lease, one renewal timer for all
 * of them while any is held (one statement per SHARED_LEASE_RENEW_MS, not one per lease), and on
 * close the node's leases are deleted so a clean shutdown frees them at once. A release the store
 * refused (a full disk, a lost connection) is retried before this node's next acquire and at each
 * renewal, so the place comes back as soon as the store writes again, not only at the lease's end.
 */
export class LeaseBook {
  readonly node = crypto.randomUUID();
  private readonly engine: LeaseEngine;
  private readonly clock: Clock;
  private held = 0;
  private serial = 0;
  private timer: NodeJS.Timeout | null = null;
  private renewing: Promise<void> | null = null;
  /** Released leases whose row the store did not delete yet: holder → name. */
  private readonly unreleased = new Map<string, string>();

  constructor(engine: LeaseEngine, clock: Clock) {
    this.engine = engine;
    this.clock = clock;
  }

  async acquire(name: string, capacity: number): Promise<Lease | null> {
    if (this.unreleased.size > 0) await this.retryReleases();
    const holder = `${this.node}/${++this.serial}`;
    const now = this.clock.now();
    if (!await this.engine.take(name, holder, this.node, capacity, now, now + SHARED_LEASE_TTL_MS)) return null;
    this.held++;
    this.startRenewing();
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        this.held--;
        try {
          await this.engine.drop(name, holder);
        } catch (err) {
          this.unreleased.set(holder, name);
          throw err;
        } finally {
          if (this.held === 0 && this.unreleased.size === 0) this.stopRenewing();
        }
      },
    };
  }

  /** Renews now (the timer's work; tests call it to stand for time passing). */
  renew(): Promise<void> {
    this.renewing ??= (async () => {
      if (this.unreleased.size > 0) await this.retryReleases();
      const now = this.clock.now();
      await this.engine.renew(this.node, now, now + SHARED_LEASE_TTL_MS);
    })().finally(() => { this.renewing = null; });
    return this.renewing;
  }

  /** Stops renewing; true when the node still held leases (the engine then drops them). */
  stop(): boolean {
    this.stopRenewing();
    const held = this.held > 0 || this.unreleased.size > 0;
    this.held = 0;
    this.unreleased.clear();
    return held;
  }

  async close(): Promise<void> {
    const held = this.stop();
    await this.renewing?.catch(() => {});
    if (held) await this.engine.dropNode(this.node);
  }

  private async retryReleases(): Promise<void> {
    for (const [holder, name] of this.unreleased) {
      try {
        await this.engine.drop(name, holder);
      } catch {
        return;
      }
      this.unreleased.delete(holder);
    }
    if (this.held === 0 && this.unreleased.size === 0) this.stopRenewing();
  }

  private startRenewing(): void {
    if (this.timer) return;
    this.timer = setInterval(() => { this.renew().catch(() => {}); }, SHARED_LEASE_RENEW_MS);
    this.timer.unref();
  }

  private stopRenewing(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

export class SqliteShared implements SharedState, LeaseEngine {
  private readonly db: Db;
  private readonly clock: Clock;
  readonly leases: LeaseBook;

  constructor(db: Db, clock: Clock) {
    this.db = db;
    this.clock = clock;
    this.leases = new LeaseBook(this, clock);
  }

  acquire(name: string, capacity: number): Promise<Lease | null> {
    return this.leases.acquire(name, capacity);
  }

  /** Before the database closes: this process's leases go with it (synchronous, as close is). */
  close(): void {
    if (this.leases.stop() && this.db.open) stmt(this.db, 'DELETE FROM shared_leases WHERE node = ?').run(this.leases.node);
  }

  /**
   * Writes of shared state commit without their own fsync (synchronous=NORMAL, as the group commit
   * does before its off-loop fsync): they run on every IMAP login and logout, and what a power
   * loss could take back is harmless (a lease or a count of the last moments: sessions are gone
   * then, and a lease left over expires). The next durable commit syncs them anyway.
   */
  private light<T>(work: () => T): T {
    this.db.pragma('synchronous = NORMAL');
    try {
      return work();
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  // better-sqlite3 is synchronous: the count and the insert run with no other writer in between.
  async take(name: string, holder: string, node: string, capacity: number, now: number, expiresAt: number): Promise<boolean> {
    return this.light(() => this.db.transaction(() => {
      stmt(this.db, 'DELETE FROM shared_leases WHERE name = ? AND expires_at <= ?').run(name, now);
      const { n } = stmt(this.db, 'SELECT count(*) AS n FROM shared_leases WHERE name = ?').get(name) as { n: number };
      if (n >= capacity) return false;
      stmt(this.db, 'INSERT INTO shared_leases (name, holder, node, expires_at) VALUES (?, ?, ?, ?)').run(name, holder, node, expiresAt);
      return true;
    }).immediate());
  }

  async drop(name: string, holder: string): Promise<void> {
    if (!this.db.open) return;
    this.light(() => stmt(this.db, 'DELETE FROM shared_leases WHERE name = ? AND holder = ?').run(name, holder));
  }

  async renew(node: string, now: number, expiresAt: number): Promise<void> {
    if (!this.db.open) return;
    this.light(() => this.db.transaction(() => {
      stmt(this.db, 'UPDATE shared_leases SET expires_at = ? WHERE node = ? AND expires_at > ?').run(expiresAt, node, now);
      stmt(this.db, 'DELETE FROM shared_leases WHERE expires_at <= ?').run(now);
      stmt(this.db, 'DELETE FROM shared_counters WHERE expires_at <= ?').run(now);
      stmt(this.db, 'DELETE FROM shared_cache WHERE expires_at <= ?').run(now);
    }).immediate());
  }

  async dropNode(node: string): Promise<void> {
    if (!this.db.open) return;
    stmt(this.db, 'DELETE FROM shared_leases WHERE node = ?').run(node);
  }

  async countAdd(name: string, n: number, windowMs: number): Promise<number> {
    const now = this.clock.now();
    const { bucket, expiresAt } = counterBucket(windowMs, now);
    this.light(() => stmt(this.db, `INSERT INTO shared_counters (name, bucket, count, expires_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (name, bucket) DO UPDATE SET count = count + excluded.count`).run(name, bucket, n, expiresAt));
    return (stmt(this.db, 'SELECT coalesce(sum(count), 0) AS total FROM shared_counters WHERE name = ? AND expires_at > ?').get(name, now) as { total: number }).total;
  }

  async countAddWithin(name: string, windowMs: number, limit: number): Promise<boolean> {
    const now = this.clock.now();
    const { bucket, expiresAt } = counterBucket(windowMs, now);
    return this.light(() => this.db.transaction(() => {
      const { total } = stmt(this.db, 'SELECT coalesce(sum(count), 0) AS total FROM shared_counters WHERE name = ? AND expires_at > ?').get(name, now) as { total: number };
      if (total >= limit) return false;
      stmt(this.db, `INSERT INTO shared_counters (name, bucket, count, expires_at) VALUES (?, ?, 1, ?)
        ON CONFLICT (name, bucket) DO UPDATE SET count = count + 1`).run(name, bucket, expiresAt);
      return true;
    }).immediate());
  }

  async countSum(names: readonly string[]): Promise<number[]> {
    const now = this.clock.now();
    const s = stmt(this.db, 'SELECT coalesce(sum(count), 0) AS total FROM shared_counters WHERE name = ? AND expires_at > ?');
    return names.map((name) => (s.get(name, now) as { total: number }).total);
  }

  async countReset(name: string): Promise<void> {
    this.light(() => stmt(this.db, 'DELETE FROM shared_counters WHERE name = ?').run(name));
  }

  async cacheGet(names: readonly string[]): Promise<(string | null)[]> {
    const now = this.clock.now();
    const s = stmt(this.db, 'SELECT value FROM shared_cache WHERE name = ? AND expires_at > ?');
    return names.map((name) => (s.get(name, now) as { value: string } | undefined)?.value ?? null);
  }

  async cachePut(name: string, value: string, ttlMs: number): Promise<void> {
    this.light(() => stmt(this.db, `INSERT INTO shared_cache (name, value, expires_at) VALUES (?, ?, ?)
      ON CONFLICT (name) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`).run(name, value, this.clock.now() + ttlMs));
  }
}
