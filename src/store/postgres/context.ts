// What every area of the PostgreSQL engine shares: the pool, the clock, the change bus and the
// one way to write. A write is one transaction; the changes it collected are published only after
// COMMIT returned (synchronous_commit: durable), in commit order on this node, and reach other
// nodes through the bus. A transaction that PostgreSQL aborts to resolve a deadlock or a
// serialization conflict (SQLSTATE 40P01, 40001) did nothing, so it is run again, a few times.
import type { Clock } from '../../clock.ts';
import type { ChangeBus, MailboxChange } from '../change-bus.ts';
import type { Sql, Tx } from './connect.ts';

/** Attempts of a transaction PostgreSQL aborted for a deadlock or serialization conflict. */
const WRITE_ATTEMPTS = 5;
const RETRYABLE = new Set(['40001', '40P01']);

export type Publish = (change: MailboxChange) => void;

export class PgContext {
  readonly sql: Sql;
  readonly clock: Clock;
  readonly bus: ChangeBus;

  constructor(sql: Sql, clock: Clock, bus: ChangeBus) {
    this.sql = sql;
    this.clock = clock;
    this.bus = bus;
  }

  /** Runs `work` in one transaction; resolves after COMMIT, then publishes what it collected. */
  async write<T>(work: (tx: Tx, publish: Publish) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const changes: MailboxChange[] = [];
      try {
        const result = await this.sql.begin((tx) => work(tx as unknown as Tx, (c) => changes.push(c))) as T;
        for (const c of changes) this.bus.publish(c);
        return result;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (attempt >= WRITE_ATTEMPTS || !code || !RETRYABLE.has(code)) throw err;
      }
    }
  }

  /** Reads in one snapshot (REPEATABLE READ, read only): several queries that must agree. */
  snapshot<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.sql.begin('ISOLATION LEVEL REPEATABLE READ READ ONLY', (tx) => work(tx as unknown as Tx)) as Promise<T>;
  }
}
