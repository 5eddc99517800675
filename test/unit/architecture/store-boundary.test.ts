// The store's boundary (issue 14, DESIGN.md "No SQL outside store/"), read from the source itself:
// only src/store/ imports a database client (better-sqlite3, postgres) or reaches a store's `db`;
// protocol code (everything but the operator's commands in src/cli/ and src/backup/, which act on
// an engine's files and settings) imports nothing of src/store/sqlite/, src/store/postgres/ or
// src/store/engines/ and so types only against the interface in src/store/api.ts; and no test
// outside the store's own tests reaches a store's `db` except through test/fixtures/sqlite-only.ts
// (the named few that exercise the SQLite engine itself) or SQL-level fixtures that corrupt a file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../../..');

function tsFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return tsFiles(rel);
    return e.name.endsWith('.ts') ? [rel] : [];
  });
}

const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');
const CLIENT = /(?:from\s+|import\(\s*)'(better-sqlite3|postgres)'/;
const DB_REACH = /\.db\s*\.\s*(prepare|exec|pragma|transaction|unsafe)\b|\bstore\.db\b/;
/** Folders that operate on an engine as such: its file, its connection settings, a copy between engines. */
const OPERATOR = ['src/cli/', 'src/backup/'];

test('only src/store/ imports a database client or reaches a store\'s db', () => {
  const offenders = tsFiles('src').filter((f) => !f.startsWith('src/store/')).filter((f) => CLIENT.test(read(f)) || DB_REACH.test(read(f)));
  assert.deepEqual(offenders, []);
});

test('protocol code imports no store engine: it types against src/store/api.ts', () => {
  const offenders: string[] = [];
  for (const file of tsFiles('src')) {
    if (file.startsWith('src/store/') || OPERATOR.some((o) => file.startsWith(o))) continue;
    for (const m of read(file).matchAll(/(?:from\s+|import\(\s*)'(\.[^']+)'/g)) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), m[1]!));
      if (/^src\/store\/(sqlite|postgres|engines)\//.test(target)) offenders.push(`${file} imports ${target}`);
    }
  }
  assert.deepEqual(offenders, []);
});

test('the checks see what they look for', () => {
  assert.ok(CLIENT.test("import Database from 'better-sqlite3';"));
  assert.ok(DB_REACH.test("store.db.prepare('SELECT 1')"));
  assert.ok(!DB_REACH.test('const db = config.db;'));
});

// Tests that reach a store's db directly: the store's own tests (test/unit/store/, engine
// internals such as migrations, query plans and group commit) and these, each with why.
const DB_IN_TESTS: Record<string, string> = {
  'test/fixtures/store-corruption.ts': 'corrupts a SQLite backup on purpose, for `postern verify` to find',
  'test/fixtures/sqlite-only.ts': 'the SQLite store behind a Store, for tests of the SQLite engine itself',
  'test/e2e/pop3-protocol.test.ts': 'makes SQLite read-only with a pragma (via sqlite-only.ts): the store failing at QUIT',
};

test('no test outside the store\'s own reaches a store\'s db, beyond the named few', () => {
  const files = ['test/e2e', 'test/session', 'test/store', 'test/fixtures', 'test/unit', 'test/fuzz'].flatMap((d) => tsFiles(d))
    .filter((f) => !f.startsWith('test/unit/store/') && f !== 'test/unit/architecture/store-boundary.test.ts');
  const reaching = files.filter((f) => /\.db\s*\.\s*(prepare|exec|pragma|transaction)\b|\bsqliteStore\(/.test(read(f)) || /\.db\.prepare|db\.prepare\(/.test(read(f)));
  const unexplained = reaching.filter((f) => !(f in DB_IN_TESTS));
  assert.deepEqual(unexplained, [], 'go through the store interface (test/fixtures/store-inspect.ts) or name the file here with the reason');
  const stale = Object.keys(DB_IN_TESTS).filter((f) => !reaching.includes(f) && f !== 'test/fixtures/sqlite-only.ts');
  assert.deepEqual(stale, [], 'named here but no longer reaching db');
});
