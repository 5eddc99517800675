// The e2e pass on the PostgreSQL engine (`npm run test:postgres`, .ci/run's second pass): starts one
// PostgreSQL server for the whole run (test/fixtures/postgres.ts), then runs the test files below
// with POSTERN_TEST_STORE=postgres, so every Postern the shared fixtures start stores into a fresh
// database on it. What must stay true: a file is left out only by name in EXCLUDED with the reason,
// a single test only by name in EXCLUDED_TESTS with the reason, and the pass fails when any test fails.
// Extra arguments replace the file list (to run a few files on PostgreSQL by hand).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPostgres } from '../test/fixtures/postgres.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The suites whose Postern comes from a shared fixture that follows POSTERN_TEST_STORE. */
const DIRECTORIES = ['test/e2e', 'test/session'];

/** Files left out of the pass, each with why: they test the SQLite file itself or start Postern without a store fixture. */
export const EXCLUDED: Record<string, string> = {
  'test/e2e/backup-under-load.test.ts': 'backs up the SQLite file in data_dir (online backup API)',
  'test/e2e/backup-verify.test.ts': 'corrupts and verifies the SQLite file (test/fixtures/store-corruption.ts)',
  'test/e2e/disk-full.test.ts': 'fills the filesystem under the SQLite file (test/fixtures/small-filesystem.ts)',
  'test/e2e/inbound-durability.test.ts': 'reopens the SQLite file after a kill to check what was fsynced',
  'test/e2e/old-node.test.ts': 'runs an old Node.js on the CLI, no store',
  'test/e2e/smtp-accept-limits.test.ts': 'builds its own SQLite context; tests the accept gate, not the store',
  'test/e2e/acme-pebble.test.ts': 'ACME against pebble, no store',
  'test/e2e/serve-http.test.ts': 'HTTP autoconfig and MTA-STS, no mailbox store',
  'test/e2e/hostile-neighbour.test.ts': 'test/fixtures/hostile.ts opens SQLite directly; measures the SQLite process under attack',
  'test/e2e/two-nodes.test.ts': 'runs on PostgreSQL always (it starts its own server)',
};

/** Single tests left out, by name (node --test-skip-pattern), each with why. */
export const EXCLUDED_TESTS: Record<string, string> = {
  'when the store cannot write at QUIT': 'makes SQLite read-only with a pragma (test/fixtures/sqlite-only.ts)',
};

function included(): string[] {
  const files: string[] = [];
  for (const dir of DIRECTORIES) {
    for (const name of fs.readdirSync(path.join(root, dir)).sort()) {
      const file = `${dir}/${name}`;
      if (name.endsWith('.test.ts') && !(file in EXCLUDED)) files.push(file);
    }
  }
  return files;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const files = process.argv.length > 2 ? process.argv.slice(2) : included();
const server = await startPostgres();
const url = new URL(await server.freshDatabase());
url.pathname = '/postgres';
const skips = Object.keys(EXCLUDED_TESTS).flatMap((name) => ['--test-skip-pattern', `/${escape(name)}/`]);
const child = spawn(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=120000', ...skips, ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, POSTERN_TEST_STORE: 'postgres', POSTERN_TEST_PG_URL: url.toString() },
});
// Interrupted, the run still stops its server (the test processes end with their parent's group).
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => child.kill(signal));
const code = await new Promise<number>((resolve) => child.once('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
await server.stop();
process.exit(code);
