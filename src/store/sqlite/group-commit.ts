// Group commit: writes that arrive while the event loop is busy are run together in one
// transaction, so many concurrent deliveries share one fsync (synchronous=FULL) instead of paying
// one each. One failing job does not undo the others: each job runs in its own savepoint, except
// repeatable jobs (run with { repeatable: true }: their work only touches the database and what it
// returns, so running it twice is harmless), which share one savepoint per run of consecutive
// repeatable jobs; if one of them throws, that savepoint is rolled back and each of them runs again
// in a savepoint of its own. Why: SQLite copies every existing page a savepoint modifies into the
// statement journal (spilled to a temporary file past 64 KiB), so a savepoint per delivery wrote
// about ten 32 KiB pages per message there, the largest single cost of an inbound message
// (bench/profiles.md, inbound).
// Promises resolve only after the COMMIT returned, and changes a job collected are published
// after that, in commit order: nobody hears of a change that is not durable. While held (the
// checkpointer truncating the WAL), jobs queue in order and run once released.
// With syncOffLoop (serve), the COMMIT itself runs with synchronous=NORMAL (it writes the WAL but
// does not fsync it) and the WAL is then fsynced on libuv's thread pool, so the event loop serves
// other sessions during the fsync, and the jobs that arrive meanwhile wait for it to end and then
// commit together. Jobs resolve and their changes are published only once an fsync that began
// after their COMMIT has finished: what synchronous=FULL gives, off the loop. (Committing the next
// batch during the fsync, as this did first, made no job durable sooner, since it waited for the
// next fsync anyway, but split the load into more, smaller commits, each writing its 32 KiB pages
// to the WAL again: bench/profiles.md, relay.)
// (Measured with bench/compare smtp, alternating with Postfix: 0.25× → 0.50× Postfix with a new
// connection per message, 0.34× → 0.43× with reused ones.) One difference remains: a read by
// another session between the COMMIT and the end of its fsync (a few ms) can see the rows; no
// reply, resolution or bus event reports them before they are durable.
// Light jobs (runLight: leases, windowed counters, caches, whose loss in a power cut is harmless)
// share the batch's transaction but resolve right after its COMMIT, without waiting for the fsync;
// sharing it matters because a transaction of its own per message wrote its 32 KiB pages to the
// WAL once more (bench/profiles.md, relay), and a write outside the group commit ignores the
// checkpointer's hold.
import fs from 'node:fs';
import type { Statement } from 'better-sqlite3';
import type { Db } from './open.ts';
import type { ChangeBus, MailboxChange } from '../change-bus.ts';

export interface WriteContext {
  /** Queue a change to publish once the transaction has committed. */
  publish(change: MailboxChange): void;
}

interface Job {
  work: (tx: WriteContext) => unknown;
  /** Resolves after COMMIT without waiting for the WAL's fsync (see runLight). */
  light: boolean;
  /** Its work may run twice (the first run rolled back): it may share a savepoint with its neighbours. */
  repeatable: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

interface Outcome { ok: boolean; value: unknown; changes: MailboxChange[] }

/** Jobs per transaction; bounds how long one commit holds the event loop. */
const MAX_BATCH = 256;

export class GroupCommit {
  private readonly db: Db;
  private readonly bus: ChangeBus;
  private pending: Job[] = [];
  private scheduled = false;
  private held = false;
  private readonly syncOffLoop: boolean;
  private walFd: number | null = null;
  /** Committed batches waiting for an fsync that starts after their COMMIT, in commit order. */
  private unsynced: ((error: unknown) => void)[] = [];
  private syncing = false;
  private closed = false;
  /** The two level switches of every batch, prepared once: `db.pragma()` compiles its statement on
   *  each call, which was 1.4% of inbound's busy time and two prepares per STORE under imaptest. */
  private readonly syncNormal: Statement<unknown[]> | null;
  private readonly syncFull: Statement<unknown[]> | null;
  /** One transaction function for every batch (better-sqlite3 builds a wrapper per `transaction()`). */
  private readonly commitBatch: (batch: Job[], outcomes: Outcome[]) => void;

  constructor(db: Db, bus: ChangeBus, options: { syncOffLoop?: boolean } = {}) {
    this.db = db;
    this.bus = bus;
    this.syncOffLoop = options.syncOffLoop ?? false;
    this.syncNormal = this.syncOffLoop ? db.prepare('PRAGMA synchronous = NORMAL') : null;
    this.syncFull = this.syncOffLoop ? db.prepare('PRAGMA synchronous = FULL') : null;
    const body = db.transaction((batch: Job[], outcomes: Outcome[]) => {
      for (let i = 0; i < batch.length;) {
        let end = i + 1;
        while (batch[i]!.repeatable && end < batch.length && batch[end]!.repeatable) end++;
        if (end - i === 1 || !this.runShared(batch, i, end, outcomes)) {
          for (let k = i; k < end; k++) outcomes[k] = this.runAlone(batch[k]!);
        }
        i = end;
      }
    });
    this.commitBatch = body.immediate;
  }

  /** Closes the WAL descriptor, after the fsync in flight (whose jobs then resolve) if there is one. */
  close(): void {
    this.closed = true;
    if (!this.syncing) this.closeWal();
  }

  private closeWal(): void {
    if (this.walFd !== null) fs.closeSync(this.walFd);
    this.walFd = null;
  }

  /**
   * A durable write. `repeatable`: the work has no effect outside the database and its result (no
   * I/O, no state of its own), so it may be run a second time after its first run was rolled back.
   */
  run<T>(work: (tx: WriteContext) => T, options: { repeatable?: boolean } = {}): Promise<T> {
    return this.enqueue(work, false, options.repeatable ?? false);
  }

  /** A write that need not survive a power cut: in the next batch, resolved once it has committed (not fsynced). */
  runLight<T>(work: (tx: WriteContext) => T): Promise<T> {
    return this.enqueue(work, true, false);
  }

  private enqueue<T>(work: (tx: WriteContext) => T, light: boolean, repeatable: boolean): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ work, light, repeatable, resolve: resolve as (v: unknown) => void, reject });
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

  /** While an fsync is in flight (syncOffLoop), new jobs wait for it and then commit as one batch. */
  private waiting(): boolean {
    return this.held || (this.syncOffLoop && this.syncing);
  }

  private schedule(): void {
    if (this.scheduled || this.waiting() || this.pending.length === 0) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    if (this.waiting()) return;
    // A write queued just before close() (a background writer such as the spam trainer) fails
    // instead of throwing from the immediate on a closed database.
    if (this.closed) {
      for (const job of this.pending.splice(0)) job.reject(new Error('the store is closed'));
      return;
    }
    const batch = this.pending.splice(0, MAX_BATCH);
    this.schedule();
    const outcomes: Outcome[] = [];
    // Outside a transaction, where SQLite lets the level change; every other writer keeps FULL.
    this.syncNormal?.run();
    try {
      // IMMEDIATE: a batch always writes, and taking the write lock at BEGIN means a job that reads
      // before it writes (a lease's count, a counter's window) cannot find its snapshot stale at
      // its first write when another process on the file committed in between (SQLITE_BUSY).
      this.commitBatch(batch, outcomes);
    } catch (error) {
      for (const job of batch) job.reject(error);
      return;
    } finally {
      this.syncFull?.run();
    }
    const settle = (job: Job, i: number, syncError: unknown) => {
      const outcome = outcomes[i]!;
      if (syncError) return job.reject(syncError);
      if (!outcome.ok) return job.reject(outcome.value);
      for (const change of outcome.changes) this.bus.publish(change);
      job.resolve(outcome.value);
    };
    if (!this.syncOffLoop) return batch.forEach((job, i) => settle(job, i, null));
    batch.forEach((job, i) => { if (job.light) settle(job, i, null); });
    if (batch.every((job) => job.light)) return;
    this.unsynced.push((syncError) => batch.forEach((job, i) => { if (!job.light) settle(job, i, syncError); }));
    this.syncWal();
  }

  /** A job in a savepoint of its own: if it throws, only its writes are undone. */
  private runAlone(job: Job): Outcome {
    const changes: MailboxChange[] = [];
    try {
      const value = this.db.transaction(() => job.work({ publish: (c) => changes.push(c) }))();
      return { ok: true, value, changes };
    } catch (error) {
      return { ok: false, value: error, changes: [] };
    }
  }

  /**
   * Repeatable jobs batch[start..end) in one savepoint; false (their writes rolled back, outcomes
   * not set) if one of them threw, and the caller runs each alone.
   */
  private runShared(batch: Job[], start: number, end: number, outcomes: Outcome[]): boolean {
    try {
      this.db.transaction(() => {
        for (let k = start; k < end; k++) {
          const changes: MailboxChange[] = [];
          const value = batch[k]!.work({ publish: (c) => changes.push(c) });
          outcomes[k] = { ok: true, value, changes };
        }
      })();
      return true;
    } catch {
      return false;
    }
  }

  /** One fsync at a time; when it ends, every batch committed before it began is durable. */
  private syncWal(): void {
    if (this.syncing || this.unsynced.length === 0) return;
    const waiting = this.unsynced;
    this.unsynced = [];
    try {
      // The WAL exists from the first commit on and is only ever truncated in place, never replaced.
      this.walFd ??= fs.openSync(`${this.db.name}-wal`, 'r');
    } catch (error) {
      for (const f of waiting) f(error);
      return;
    }
    this.syncing = true;
    fs.fsync(this.walFd, (error) => {
      this.syncing = false;
      for (const f of waiting) f(error);
      if (this.closed) this.closeWal();
      else this.syncWal();
      // Jobs that waited for this fsync commit now (or, closed meanwhile, fail).
      this.schedule();
    });
  }
}
