import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../../src/store/sqlite/open.ts';
import { applyMigrations } from '../../../src/store/sqlite/migrate.ts';
import { readMigrations, SchemaTooNewError, MIGRATIONS_DIR } from '../../../src/store/migrations.ts';
import { openStore } from '../../../src/store/sqlite/store.ts';
import { PendingMigrationsError } from '../../../src/store/migrations.ts';
import { systemClock } from '../../../src/clock.ts';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'postern-migrate-'));

test('a fresh database gets every migration, in order, with durable pragmas', () => {
  const db = openDatabase(tmp());
  const applied = applyMigrations(db, 1);
  assert.deepEqual(applied.map((m) => m.version), readMigrations().map((m) => m.version));
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('synchronous', { simple: true }), 2, 'synchronous=FULL');
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
  assert.equal(db.pragma('temp_store', { simple: true }), 2, 'statement journals and sorts in memory, not in temp files');
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name);
  for (const t of ['domains', 'dkim_keys', 'accounts', 'aliases', 'mailboxes', 'messages', 'contents', 'blobs', 'blob_chunks', 'vanished', 'queue_messages', 'queue_recipients']) {
    assert.ok(tables.includes(t), `table ${t}`);
  }
  assert.deepEqual(applyMigrations(db, 2), [], 'a second run applies nothing');
  db.close();
});

test('upgrade from the previous schema keeps data; a failing migration leaves nothing behind', () => {
  const dir = tmp();
  const migrations = path.join(dir, 'migrations');
  fs.mkdirSync(migrations);
  for (const f of fs.readdirSync(MIGRATIONS_DIR).filter((n) => n.endsWith('.sql'))) fs.copyFileSync(path.join(MIGRATIONS_DIR, f), path.join(migrations, f));
  const db = openDatabase(dir);
  applyMigrations(db, 1, readMigrations(migrations));
  db.prepare("INSERT INTO domains (name, created_at) VALUES ('example.com', 1)").run();

  fs.writeFileSync(path.join(migrations, '9001_add_note.sql'), 'ALTER TABLE domains ADD COLUMN note TEXT;\nUPDATE domains SET note = \'kept\';\n');
  assert.deepEqual(applyMigrations(db, 2, readMigrations(migrations)).map((m) => m.version), [9001]);
  assert.deepEqual(db.prepare('SELECT name, note FROM domains').get(), { name: 'example.com', note: 'kept' });

  fs.writeFileSync(path.join(migrations, '9002_broken.sql'), 'CREATE TABLE half (x INTEGER);\nTHIS IS NOT SQL;\n');
  assert.throws(() => applyMigrations(db, 3, readMigrations(migrations)));
  assert.deepEqual(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'half'").get(), { n: 0 });
  assert.deepEqual(db.prepare('SELECT max(version) AS v FROM schema_migrations').get(), { v: 9001 });
  db.close();
});

test('a database newer than the code is refused with a clear message', () => {
  const dir = tmp();
  const db = openDatabase(dir);
  applyMigrations(db, 1);
  db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future', 1)").run();
  db.close();
  assert.throws(() => openStore(dir, { clock: systemClock, migrate: true }), (e: unknown) => e instanceof SchemaTooNewError && /newer than this version of Postern/.test(e.message));
});

test('without migrate, a database with pending migrations is refused, naming the command', () => {
  const dir = tmp();
  const db = openDatabase(dir);
  db.close();
  assert.throws(() => openStore(dir, { clock: systemClock, migrate: false }), (e: unknown) => e instanceof PendingMigrationsError && /postern migrate/.test(e.message));
});
