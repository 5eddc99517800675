// WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside whichever COMMIT
// crosses the threshold, copying megabytes and fsyncing the database file while every session
// waits; here a worker thread with its own connection runs PASSIVE checkpoints (which never block
// writers) on a timer instead. PASSIVE alone never resets the WAL while commits keep coming (each
// leaves frames the checkpoint has not copied yet), so when the worker reports the WAL past
// truncateAboveBytes the group commit holds new transactions (they queue; the event loop runs on)
// while the worker runs one TRUNCATE checkpoint, then lets them through.
// Always true: no transaction is open on the main connection while the worker truncates (holding
// happens between group-commit flushes, which are synchronous); commits are held only until the
// worker answers or stops; if the worker fails, the main connection's automatic checkpoints come
// back, so the WAL never grows without bound.
import { Worker } from 'node:worker_threads';
import type { Db } from './open.ts';

/** Pages after which SQLite checkpoints by itself when no checkpointer runs. */
export const AUTO_CHECKPOINT_PAGES = 4000;

/** What the checkpointer needs from the group commit: a way to keep new transactions waiting. */
export interface CommitGate {
  hold(): void;
  release(): void;
}

interface WorkerReport { walBytes: number; truncated?: boolean }

export class Checkpointer {
  private worker: Worker | null;
  private readonly db: Db;
  private readonly gate: CommitGate;
  private readonly truncateAboveBytes: number;
  private holding = false;
  /** TRUNCATE checkpoints that emptied the WAL, for the metrics. */
  truncations = 0;

  constructor(db: Db, file: string, intervalMs: number, gate: CommitGate, truncateAboveBytes: number) {
    this.db = db;
    this.gate = gate;
    this.truncateAboveBytes = truncateAboveBytes;
    db.pragma('wal_autocheckpoint = 0');
    this.worker = new Worker(new URL('./checkpoint-worker.js', import.meta.url), { workerData: { file, intervalMs } });
    this.worker.unref();
    this.worker.on('message', (report: WorkerReport) => this.reported(report));
    this.worker.on('error', () => this.fallBack());
    this.worker.on('exit', () => this.fallBack());
  }

  private reported(report: WorkerReport): void {
    if (report.truncated !== undefined) {
      if (report.truncated) this.truncations++;
      this.letCommitsThrough();
      return;
    }
    if (this.holding || !this.worker || report.walBytes <= this.truncateAboveBytes) return;
    this.holding = true;
    this.gate.hold();
    this.worker.postMessage('truncate');
  }

  private letCommitsThrough(): void {
    if (!this.holding) return;
    this.holding = false;
    this.gate.release();
  }

  /**
   * Asks the worker to finish its current checkpoint, close its connection and exit; resolves when
   * it has. The process must not exit before that: a thread torn down with an open connection
   * aborts the process.
   */
  stop(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.letCommitsThrough();
    if (!worker) return Promise.resolve();
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.ref();
    worker.postMessage('stop');
    return exited;
  }

  private fallBack(): void {
    this.letCommitsThrough();
    if (this.worker === null) return;
    this.worker = null;
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`);
  }
}
