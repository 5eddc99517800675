// The worker thread of snapshotDatabase (backup.ts): runs `VACUUM INTO` on its own connection, so
// the thread that started it stays free to draw progress from the growing file. What must always be
// true: the copy is ONE statement, so SQLite reads it inside one read transaction (a consistent
// snapshot; in WAL mode the server's writers carry on and never restart it); it never writes to the
// source; its first message is { total, pageSize }: the pages the copy will have, for progress.
// JavaScript, not TypeScript, because each worker thread that loads a .ts file first loads Node's
// type stripper: 150–500 ms of a backup's start on the shared bench machine, against 35–50 ms for this
// file. Its input is { sourceFile, destFile } (VacuumJob in backup.ts).
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { sourceFile, destFile } = workerData;
const db = new Database(sourceFile, { fileMustExist: true });
try {
  db.pragma('busy_timeout = 5000');
  // VACUUM INTO gives the copy this connection's cache size and synchronous setting (SQLite's
  // vacuum.c). A small cache keeps memory flat whatever the store's size; no fsync while writing,
  // because the caller fsyncs the finished file once, which is what makes it durable.
  db.pragma('cache_size = -2000');
  db.pragma('synchronous = OFF');
  const pages = db.pragma('page_count', { simple: true }) - db.pragma('freelist_count', { simple: true });
  parentPort.postMessage({ total: pages, pageSize: db.pragma('page_size', { simple: true }) });
  db.prepare('VACUUM INTO ?').run(destFile);
} finally {
  db.close();
}
