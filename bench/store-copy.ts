// `postern store copy` on a sizeable installation (issue 14: "store copy moves a 10k-message
// installation and verifies it"): a SQLite store of N messages (default 10,000; 10 accounts, three
// mailboxes each, flags, an expunge, a queued message, a Sieve script) is copied to a fresh
// PostgreSQL database (test/fixtures/postgres.ts starts the server) and back to a new SQLite
// directory, each copy verified (row counts and SHA-256 of every table and every message). Prints
// one row per direction: rows, messages, bytes, the copy and verification time, messages per second.
// Usage: node bench/store-copy.ts [--count 10000] [--pad 4000]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSourceStore } from '../test/fixtures/store-copy-source.ts';
import { startPostgres } from '../test/fixtures/postgres.ts';
import { copyStore, type CopyReport } from '../src/store/engines/copy.ts';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : dflt;
};
const count = Number(opt('count', '10000'));
const pad = Number(opt('pad', '4000'));
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-bench-copy-'));
const server = await startPostgres();
try {
  const source = path.join(root, 'source');
  let t = performance.now();
  await buildSourceStore(source, count, 10, pad);
  const buildMs = performance.now() - t;
  const bytes = fs.statSync(path.join(source, 'postern.db')).size;
  const url = await server.freshDatabase();
  const there = await copyStore({ engine: 'sqlite', dataDir: source }, { engine: 'postgres', settings: { url } });
  const back = await copyStore({ engine: 'postgres', settings: { url } }, { engine: 'sqlite', dataDir: path.join(root, 'back') });
  const row = (r: CopyReport) => `| ${r.from} → ${r.to} | ${r.rows} | ${r.messages.count} | ${(bytes / 1048576).toFixed(0)} MiB | ${(r.ms / 1000).toFixed(1)} s | ${(r.verifyMs / 1000).toFixed(1)} s | ${Math.round(r.messages.count / (r.ms / 1000))} |`;
  console.log(`store of ${count} messages (~${pad} B padding each) built in ${(buildMs / 1000).toFixed(1)} s; SQLite file ${(bytes / 1048576).toFixed(0)} MiB`);
  console.log('| direction | rows | messages | SQLite file | copy + verify | of which verify | messages/s |');
  console.log('|---|---|---|---|---|---|---|');
  console.log(row(there));
  console.log(row(back));
} finally {
  await server.stop();
  fs.rmSync(root, { recursive: true, force: true });
}
