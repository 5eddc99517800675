// The checkpoint worker thread (see checkpointer.ts): its own connection to the database file,
// running a PASSIVE checkpoint every intervalMs and reporting the WAL's size after each; on
// 'truncate' (sent only while the main thread holds commits back) a TRUNCATE checkpoint, which
// copies the rest and empties the WAL file. Replies { walBytes, truncated? } after each.
// JavaScript, not TypeScript, like vacuum-worker.js: a worker thread that loads a .ts file first
// loads Node's type stripper, 17 MB of the server's resident memory for as long as it runs
// (bench/profiles.md, Memory). Its input is { file, intervalMs }.
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { file, intervalMs } = workerData;
const db = new Database(file);
db.pragma('busy_timeout = 5000');
// A checkpoint fsyncs the database file before SQLite may reuse the WAL, as with synchronous=FULL.
db.pragma('synchronous = FULL');

function walBytes() {
  try {
    return fs.statSync(`${file}-wal`).size;
  } catch {
    return 0;
  }
}

const timer = setInterval(() => {
  db.pragma('wal_checkpoint(PASSIVE)');
  parentPort.postMessage({ walBytes: walBytes() });
}, intervalMs);
parentPort.on('message', (message) => {
  if (message === 'truncate') {
    // busy = 1 when a reader or writer kept it from finishing (after busy_timeout); the WAL then stays.
    const [row] = db.pragma('wal_checkpoint(TRUNCATE)');
    parentPort.postMessage({ walBytes: walBytes(), truncated: row?.busy === 0 });
    return;
  }
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
