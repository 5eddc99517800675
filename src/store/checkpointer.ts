// WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside whichever COMMIT
// crosses the threshold, copying megabytes and fsyncing the database file while every session
// waits; here a worker thread with its own connection runs PASSIVE checkpoints (which never block
// writers) on a timer instead. If the worker fails, the main connection's automatic checkpoints
// come back, so the WAL never grows without bound.
import { Worker } from 'node:worker_threads';
import type { Db } from './open.ts';

/** Pages after which SQLite checkpoints by itself when no checkpointer runs. */
export const AUTO_CHECKPOINT_PAGES = 4000;

export class Checkpointer {
  private worker: Worker | null;
  private readonly db: Db;

  constructor(db: Db, file: string, intervalMs: number) {
    this.db = db;
    db.pragma('wal_autocheckpoint = 0');
    this.worker = new Worker(new URL('./checkpoint-worker.ts', import.meta.url), { workerData: { file, intervalMs } });
    this.worker.unref();
    this.worker.on('error', () => this.fallBack());
    this.worker.on('exit', () => this.fallBack());
  }

  /**
   * Asks the worker to finish its current checkpoint, close its connection and exit; resolves when
   * it has. The process must not exit before that: a thread torn down with an open connection
   * aborts the process.
   */
  stop(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (!worker) return Promise.resolve();
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.ref();
    worker.postMessage('stop');
    return exited;
  }

  private fallBack(): void {
    if (this.worker === null) return;
    this.worker = null;
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`);
  }
}
