// The SQLite engine's shared state (src/store/api.ts SharedState): leases, windowed counters and a
// keyed cache in three small tables, so every process on the data directory agrees, as the
// PostgreSQL engine's nodes do (src/store/postgres/shared.ts). What must stay true: a lease name
// never has more unexpired holders than the capacity asked for; a held lease is renewed by its
// node (LeaseBook) until released and expires SHARED_LEASE_TTL_MS after its node stopped renewing;
// a counter counts exactly what was added within its window, to one bucket's precision.
import type { Clock } from '../../clock.ts';
import type { Db } from './open.ts';
import type { WriteContext } from './group-commit.ts';
import type { Lease, SharedState } from '../api.ts';
import { stmt } from './statements.ts';
import { counterBucket, LeaseBook, type LeaseEngine } from '../shared.ts';

export class SqliteShared implements SharedState, LeaseEngine {
  private readonly db: Db;
  private readonly clock: Clock;
  private readonly writeLight: <T>(work: (tx: WriteContext) => T) => Promise<T>;
  readonly leases: LeaseBook;

  constructor(db: Db, clock: Clock, writeLight: <T>(work: (tx: WriteContext) => T) => Promise<T>) {
    this.db = db;
    this.clock = clock;
    this.writeLight = writeLight;
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
   * Writes of shared state go through the group commit's light lane (GroupCommit.runLight): they
   * share its transaction and resolve at COMMIT without waiting for the fsync. They run on every
   * IMAP login and logout and every submission, and what a power loss could take back is harmless
   * (a lease or a count of the last moments: sessions are gone then, and a lease left over
   * expires). A transaction of their own per call wrote its pages to the WAL once more, and, run
   * beside the checkpointer's truncation, blocked the event loop until busy_timeout ended it.
   */
  private light<T>(work: () => T): Promise<T> {
    return this.writeLight(work);
  }

  // better-sqlite3 is synchronous: the count and the insert run with no other writer in between.
  async take(name: string, holder: string, node: string, capacity: number, now: number, expiresAt: number): Promise<boolean> {
    return this.light(() => {
      stmt(this.db, 'DELETE FROM shared_leases WHERE name = ? AND expires_at <= ?').run(name, now);
      const { n } = stmt(this.db, 'SELECT count(*) AS n FROM shared_leases WHERE name = ?').get(name) as { n: number };
      if (n >= capacity) return false;
      stmt(this.db, 'INSERT INTO shared_leases (name, holder, node, expires_at) VALUES (?, ?, ?, ?)').run(name, holder, node, expiresAt);
      return true;
    });
  }

  async drop(name: string, holder: string): Promise<void> {
    if (!this.db.open) return;
    await this.light(() => stmt(this.db, 'DELETE FROM shared_leases WHERE name = ? AND holder = ?').run(name, holder));
  }

  async renew(node: string, now: number, expiresAt: number): Promise<void> {
    if (!this.db.open) return;
    await this.light(() => {
      stmt(this.db, 'UPDATE shared_leases SET expires_at = ? WHERE node = ? AND expires_at > ?').run(expiresAt, node, now);
      stmt(this.db, 'DELETE FROM shared_leases WHERE expires_at <= ?').run(now);
      stmt(this.db, 'DELETE FROM shared_counters WHERE expires_at <= ?').run(now);
      stmt(this.db, 'DELETE FROM shared_cache WHERE expires_at <= ?').run(now);
    });
  }

  async dropNode(node: string): Promise<void> {
    if (!this.db.open) return;
    stmt(this.db, 'DELETE FROM shared_leases WHERE node = ?').run(node);
  }

  async countAdd(name: string, n: number, windowMs: number): Promise<number> {
    const now = this.clock.now();
    const { bucket, expiresAt } = counterBucket(windowMs, now);
    return this.light(() => {
      stmt(this.db, `INSERT INTO shared_counters (name, bucket, count, expires_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (name, bucket) DO UPDATE SET count = count + excluded.count`).run(name, bucket, n, expiresAt);
      return (stmt(this.db, 'SELECT coalesce(sum(count), 0) AS total FROM shared_counters WHERE name = ? AND expires_at > ?').get(name, now) as { total: number }).total;
    });
  }

  async countAddWithin(name: string, windowMs: number, limit: number): Promise<boolean> {
    const now = this.clock.now();
    const { bucket, expiresAt } = counterBucket(windowMs, now);
    return this.light(() => {
      const { total } = stmt(this.db, 'SELECT coalesce(sum(count), 0) AS total FROM shared_counters WHERE name = ? AND expires_at > ?').get(name, now) as { total: number };
      if (total >= limit) return false;
      stmt(this.db, `INSERT INTO shared_counters (name, bucket, count, expires_at) VALUES (?, ?, 1, ?)
        ON CONFLICT (name, bucket) DO UPDATE SET count = count + 1`).run(name, bucket, expiresAt);
      return true;
    });
  }

  async countSum(names: readonly string[]): Promise<number[]> {
    const now = this.clock.now();
    const s = stmt(this.db, 'SELECT coalesce(sum(count), 0) AS total FROM shared_counters WHERE name = ? AND expires_at > ?');
    return names.map((name) => (s.get(name, now) as { total: number }).total);
  }

  async countReset(name: string): Promise<void> {
    await this.light(() => stmt(this.db, 'DELETE FROM shared_counters WHERE name = ?').run(name));
  }

  async cacheGet(names: readonly string[]): Promise<(string | null)[]> {
    const now = this.clock.now();
    const s = stmt(this.db, 'SELECT value FROM shared_cache WHERE name = ? AND expires_at > ?');
    return names.map((name) => (s.get(name, now) as { value: string } | undefined)?.value ?? null);
  }

  async cachePut(name: string, value: string, ttlMs: number): Promise<void> {
    await this.light(() => stmt(this.db, `INSERT INTO shared_cache (name, value, expires_at) VALUES (?, ?, ?)
      ON CONFLICT (name) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`).run(name, value, this.clock.now() + ttlMs));
  }
}
