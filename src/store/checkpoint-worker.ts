// The checkpoint worker thread (see checkpointer.ts): its own connection to the database file,
// running a PASSIVE checkpoint every intervalMs until told to stop.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { file, intervalMs } = workerData as { file: string; intervalMs: number };
const db = new Database(file);
db.pragma('busy_timeout = 5000');
// A checkpoint fsyncs the database file before SQLite may reuse the WAL, as with synchronous=FULL.
db.pragma('synchronous = FULL');

const timer = setInterval(() => db.pragma('wal_checkpoint(PASSIVE)'), intervalMs);
parentPort!.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort!.close();
});
