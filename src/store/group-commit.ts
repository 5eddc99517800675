// Group commit: writes that arrive while the event loop is busy are run together in one
// transaction, so many concurrent deliveries share one fsync (synchronous=FULL) instead of paying
// one each. Each job runs in its own savepoint, so one failing job does not undo the others.
// Promises resolve only after the COMMIT returned, and changes a job collected are published
// after that, in commit order: nobody hears of a change that is not durable. While held (the
// checkpointer truncating the WAL), jobs queue in order and run once released.
import type { Db } from './open.ts';
import type { ChangeBus, MailboxChange } from './change-bus.ts';

export interface WriteContext {
  /** Queue a change to publish once the transaction has committed. */
  publish(change: MailboxChange): void;
}

interface Job {
  work: (tx: WriteContext) => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Jobs per transaction; bounds how long one commit holds the event loop. */
const MAX_BATCH = 256;

export class GroupCommit {
  private readonly db: Db;
  private readonly bus: ChangeBus;
  private pending: Job[] = [];
  private scheduled = false;
  private held = false;

  constructor(db: Db, bus: ChangeBus) {
    this.db = db;
    this.bus = bus;
  }

  run<T>(work: (tx: WriteContext) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ work, resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  /** Keeps new transactions waiting; none is open when this returns (flushes are synchronous). */
  hold(): void {
    this.held = true;
  }

  release(): void {
    this.held = false;
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.held || this.pending.length === 0) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    if (this.held) return;
    const batch = this.pending.splice(0, MAX_BATCH);
    this.schedule();
    const outcomes: { ok: boolean; value: unknown; changes: MailboxChange[] }[] = [];
    try {
      this.db.transaction(() => {
        for (const job of batch) {
          const changes: MailboxChange[] = [];
          try {
            const value = this.db.transaction(() => job.work({ publish: (c) => changes.push(c) }))();
            outcomes.push({ ok: true, value, changes });
          } catch (error) {
            outcomes.push({ ok: false, value: error, changes: [] });
          }
        }
      })();
    } catch (error) {
      for (const job of batch) job.reject(error);
      return;
    }
    batch.forEach((job, i) => {
      const outcome = outcomes[i]!;
      if (!outcome.ok) return job.reject(outcome.value);
      for (const change of outcome.changes) this.bus.publish(change);
      job.resolve(outcome.value);
    });
  }
}
