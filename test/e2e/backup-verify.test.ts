// `postern backup`, `verify` and `restore` as an operator runs them (the real bin/postern): a backup
// verifies and restores into an empty data_dir; restore refuses a non-empty one without --force;
// verify catches each corruption it claims to with its own failing line and exit 1; a migration that
// fails half way leaves the database as it was, after an automatic backup that restores it.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { addUser, cli, makeInstance, type Instance } from '../fixtures/postern.ts';
import { corrupt, type Corruption } from '../fixtures/store-corruption.ts';
import { CHECK_NAMES } from '../../src/backup/verify.ts';
import { openStoreMigrated, UpgradeError } from '../../src/backup/upgrade.ts';
import { AUTOMATIC_BACKUPS_DIR, datedBackups } from '../../src/backup/create.ts';
import { describeDatabase, databaseFile } from '../../src/store/sqlite/backup.ts';
import { MIGRATIONS_DIR, readMigrations } from '../../src/store/migrations.ts';
import { openStore } from '../../src/store/sqlite/store.ts';
import { openDatabase } from '../../src/store/sqlite/open.ts';
import { applyMigrations } from '../../src/store/sqlite/migrate.ts';
import type { Store } from '../../src/store/api.ts';
import { exportPage } from '../../src/store/sqlite/export.ts';
import { deliver } from '../../src/delivery/deliver.ts';
import { configFor } from '../../src/cli/context.ts';
import { parseArgs } from '../../src/cli/args.ts';
import { systemClock } from '../../src/clock.ts';

const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

/** One message over two 64 KiB chunks, one with a From line in its body, one plain: a small store. */
function mbox(): string {
  const big = Array.from({ length: 2500 }, (_, i) => `line ${i} of a message larger than one stored chunk`).join('\n');
  return [
    'From a@example.test Thu Jan  2 10:00:00 2020', 'From: a@example.test', 'Subject: large', 'Message-ID: <large@test>', '', big, '',
    'From b@example.test Fri Jan  3 10:00:00 2020', 'From: b@example.test', 'Subject: from line', 'Status: RO', 'X-Keywords: $Label1', '', '>From the start of a line', 'bye', '',
    'From c@example.test Sat Jan  4 10:00:00 2020', 'From: c@example.test', 'Subject: plain', 'X-Status: F', '', 'plain body', '',
  ].join('\n');
}

let source: Instance;
let backupDir: string;

before(() => {
  source = makeInstance();
  addUser(source, 'alice@example.test', 'correct horse');
  const file = path.join(source.dir, 'in.mbox');
  fs.writeFileSync(file, mbox());
  const imported = cli(source, ['import', 'alice@example.test', file]);
  assert.equal(imported.code, 0, imported.stderr);
  backupDir = path.join(tmp('postern-backups-'), 'first');
  const b = cli(source, ['backup', backupDir]);
  assert.equal(b.code, 0, b.stderr);
  assert.match(b.stdout, /Backed up 3 message\(s\) in 6 mailbox\(es\) of 1 account\(s\)/);
});

function checkLines(stdout: string): Map<string, boolean> {
  const lines = new Map<string, boolean>();
  for (const line of stdout.split('\n')) {
    const m = /^(ok|FAIL)\s+([^:]+)/.exec(line);
    if (m) lines.set(m[2]!.trim(), m[1] === 'ok');
  }
  return lines;
}

test('a backup has a manifest of every file, verifies, and restores into an empty data_dir that then verifies', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(backupDir, 'manifest.json'), 'utf8'));
  assert.equal(manifest.engine, 'sqlite');
  assert.deepEqual({ accounts: manifest.counts.accounts, messages: manifest.counts.messages }, { accounts: 1, messages: 3 });
  assert.equal(manifest.schema_version, Math.max(...readMigrations().map((m) => m.version)));
  const dbEntry = manifest.files.find((f: { path: string }) => f.path === 'postern.db');
  assert.equal(dbEntry.sha256, crypto.createHash('sha256').update(fs.readFileSync(path.join(backupDir, 'postern.db'))).digest('hex'));
  assert.ok(manifest.files.some((f: { path: string }) => f.path === 'config/postern.toml'), 'the config is in the backup');
  assert.ok(!fs.existsSync(path.join(backupDir, 'postern.db-wal')), 'the copy is one self-contained file');

  const v = cli(source, ['verify', backupDir]);
  assert.equal(v.code, 0, v.stdout + v.stderr);
  const lines = checkLines(v.stdout);
  assert.equal(lines.size, Object.keys(CHECK_NAMES).length, 'one line per check');
  assert.ok([...lines.values()].every(Boolean));

  const target = makeInstance();
  const r = cli(target, ['restore', backupDir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Restored the backup .*3 message\(s\)/);
  const live = cli(target, ['verify']);
  assert.equal(live.code, 0, live.stdout + live.stderr);
  const users = JSON.parse(cli(target, ['user', 'list', '--json']).stdout) as { address: string }[];
  assert.deepEqual(users.map((u) => u.address), ['alice@example.test']);

  const again = cli(target, ['restore', backupDir]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /not empty.*--force/);
  assert.equal(cli(target, ['restore', backupDir, '--force']).code, 0);
  assert.equal(cli(target, ['restore', path.join(source.dir, 'nothing-here')]).code, 1);
});

test('--keep N keeps the newest N dated backups', () => {
  const parent = tmp('postern-keep-');
  for (let i = 0; i < 3; i++) assert.equal(cli(source, ['backup', parent, '--keep', '2']).code, 0);
  assert.equal(datedBackups(parent).length, 2);
  assert.equal(cli(source, ['verify', parent]).code, 0, 'verify DIR of dated backups checks the newest');
  assert.equal(cli(source, ['backup', parent, '--keep', '0']).code, 2);
  assert.equal(cli(source, ['backup', backupDir]).code, 1, 'a non-empty DIR without --keep is refused');
});

for (const [how, check] of [
  ['deleted-chunk', CHECK_NAMES.chunks],
  ['wrong-refcount', CHECK_NAMES.refcounts],
  ['duplicated-uid', CHECK_NAMES.uids],
  ['truncated-content', CHECK_NAMES.chunks],
] as [Corruption, string][]) {
  test(`verify catches a ${how}: "${check}" fails, exit 1`, () => {
    const dataDir = tmp('postern-corrupt-');
    // A copy of the backup's closed, self-contained database file, never a live one.
    fs.copyFileSync(path.join(backupDir, 'postern.db'), path.join(dataDir, 'postern.db'));
    corrupt(path.join(dataDir, 'postern.db'), how);
    const config = path.join(dataDir, 'postern.toml');
    fs.writeFileSync(config, `data_dir = "${dataDir}"\n`);
    const v = cli(null, ['verify', '--config', config]);
    assert.equal(v.code, 1, v.stdout);
    const lines = checkLines(v.stdout);
    assert.equal(lines.get(check), false, `${check} fails:\n${v.stdout}`);
    for (const [name, ok] of lines) if (name !== check) assert.ok(ok, `only ${check} fails, not ${name}:\n${v.stdout}`);
  });
}

test('verify catches a backup file changed after the fact, and restore refuses that backup', () => {
  const copy = path.join(tmp('postern-tampered-'), 'b');
  fs.cpSync(backupDir, copy, { recursive: true });
  fs.appendFileSync(path.join(copy, 'config', 'postern.toml'), '# changed\n');
  const v = cli(source, ['verify', copy]);
  assert.equal(v.code, 1);
  const lines = checkLines(v.stdout);
  assert.equal(lines.get(CHECK_NAMES.manifest), false, v.stdout);
  assert.match(v.stdout, /config\/postern\.toml/);
  const target = makeInstance();
  const r = cli(target, ['restore', copy]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /does not verify; nothing was restored/);
  assert.ok(!fs.existsSync(path.join(target.dir, 'data', 'postern.db')));
});

/** Every message of every account as (mailbox, uid, flags, sha256 of BODY[]), through the store's API. */
async function fingerprint(store: Store): Promise<string[]> {
  const out: string[] = [];
  for (const account of await store.accounts.list()) {
    for (const box of await store.mailboxes.list(account.id)) {
      for (const m of await store.exportPage(box.id, 0, 1000)) {
        out.push(`${account.address} ${box.name} ${m.uid} ${m.flags.join(',')} ${crypto.createHash('sha256').update(await store.contents.full(m.contentId)).digest('hex')}`);
      }
    }
  }
  return out;
}

test('migration safety: a migration failing half way leaves the database unchanged; the automatic backup restores', async () => {
  // The database before the upgrade has today's schema and mail in it, written by today's code (an
  // older schema could not be written by it); the upgrade under test is one more migration that
  // fails after changing things.
  const failing = tmp('postern-failing-migrations-');
  for (const f of fs.readdirSync(MIGRATIONS_DIR).filter((name) => name.endsWith('.sql'))) fs.copyFileSync(path.join(MIGRATIONS_DIR, f), path.join(failing, f));
  fs.writeFileSync(path.join(failing, '9999_fails_half_way.sql'),
    "CREATE TABLE half_done (x INTEGER);\nUPDATE messages SET flags = 31;\nDELETE FROM blob_chunks WHERE seq > 0;\nSELECT no_such_function();\n");

  const instance = makeInstance();
  const config = configFor(parseArgs(['--config', instance.configFile]));
  const old = openStore(config.data_dir, { clock: systemClock, migrate: true });
  const domain = await old.domains.add('example.test', []);
  const account = await old.accounts.add('bob@example.test', domain.id, '$scrypt$test');
  for (let i = 0; i < 3; i++) {
    await deliver(old, { raw: Buffer.from(`From: a@example.test\r\nSubject: before the upgrade ${i}\r\n\r\n${'body '.repeat(20000)}\r\n`), recipients: [{ accountId: account.id }], flags: i === 0 ? ['\\Seen'] : [] });
  }
  const before = await fingerprint(old);
  await old.close();
  const oldVersion = describeDatabase(databaseFile(config.data_dir)).schemaVersion;

  let told = '';
  await assert.rejects(openStoreMigrated(config, { clock: systemClock, configFile: instance.configFile, migrationsDir: failing, onBackup: (dir) => { told = dir; } }),
    (err: unknown) => err instanceof UpgradeError && /9999_fails_half_way failed/.test(err.message) && /unchanged/.test(err.message) && /postern restore .* --force/.test(err.message));
  assert.ok(told.startsWith(path.join(config.data_dir, AUTOMATIC_BACKUPS_DIR)), `backup before migrating, in data_dir/backups (${told})`);
  assert.equal(describeDatabase(databaseFile(config.data_dir)).schemaVersion, oldVersion, 'no migration recorded');
  const unchanged = openStore(config.data_dir, { clock: systemClock, migrate: false });
  assert.deepEqual(await fingerprint(unchanged), before, 'every message, flag and byte as before');
  await unchanged.close();

  // The automatic backup verifies and restores to the same mail.
  assert.equal(cli(instance, ['verify', told]).code, 0);
  const restored = cli(instance, ['restore', told, '--force']);
  assert.equal(restored.code, 0, restored.stderr);
  const back = openStore(config.data_dir, { clock: systemClock, migrate: false });
  assert.deepEqual(await fingerprint(back), before);
  await back.close();

  // Failing again and again keeps only the last three automatic backups.
  for (let i = 0; i < 3; i++) await assert.rejects(openStoreMigrated(config, { clock: systemClock, configFile: null, migrationsDir: failing }), UpgradeError);
  assert.equal(datedBackups(path.join(config.data_dir, AUTOMATIC_BACKUPS_DIR)).length, 3);
});

test('postern migrate backs the database up first, says where, and applies what is pending', () => {
  // A database of the previous schema (every migration but the newest), made by the migration
  // runner itself: today's store code is written for today's schema only.
  const instance = makeInstance();
  const config = configFor(parseArgs(['--config', instance.configFile]));
  const all = readMigrations();
  const db = openDatabase(config.data_dir);
  applyMigrations(db, systemClock.now(), all.slice(0, -1));
  db.close();
  const migrated = cli(instance, ['migrate']);
  assert.equal(migrated.code, 0, migrated.stderr);
  assert.match(migrated.stdout, new RegExp(`Applied 1 migration\\(s\\): ${all.at(-1)!.name}\\. The database was backed up first to .*${AUTOMATIC_BACKUPS_DIR}`));
  assert.equal(datedBackups(path.join(config.data_dir, AUTOMATIC_BACKUPS_DIR)).length, 1);
  assert.equal(cli(instance, ['verify']).code, 0);
});
