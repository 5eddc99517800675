// The worker thread of snapshotDatabase (backup.ts): runs `VACUUM INTO` on its own connection, so
// the thread that started it stays free to draw progress from the growing file. What must always be
// true: the copy is ONE statement, so SQLite reads it inside one read transaction (a consistent
// snapshot; in WAL mode the server's writers carry on and never restart it); it never writes to the
// source; the total it reports first is the pages the copy will have, for the progress bar.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

export interface VacuumJob { sourceFile: string; destFile: string }
export type VacuumMessage = { total: number; pageSize: number };

const { sourceFile, destFile } = workerData as VacuumJob;
const db = new Database(sourceFile, { fileMustExist: true });
try {
  db.pragma('busy_timeout = 5000');
  // VACUUM INTO gives the copy this connection's cache size and synchronous setting (src/vacuum.c).
  // A small cache keeps the process's memory flat whatever the store's size; no fsync while writing,
  // because the caller fsyncs the finished file once, which is what makes it durable.
  db.pragma('cache_size = -2000');
  db.pragma('synchronous = OFF');
  const pages = (db.pragma('page_count', { simple: true }) as number) - (db.pragma('freelist_count', { simple: true }) as number);
  parentPort!.postMessage({ total: pages, pageSize: db.pragma('page_size', { simple: true }) as number } satisfies VacuumMessage);
  db.prepare('VACUUM INTO ?').run(destFile);
} finally {
  db.close();
}
