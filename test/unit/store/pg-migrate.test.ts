// The PostgreSQL engine's migrations and connection settings, on a real server of its own that
// asks for a password (SCRAM): the password comes from the URL, from [store] password_file or
// from POSTERN_STORE_PASSWORD, never needed in the config file, and without it the server refuses;
// a new database is refused until migrated, naming `postern migrate`; migrating applies every
// migration once, also when two nodes start at once (the advisory lock); a failing migration
// leaves the schema as it was; and a database with a migration newer than this code is refused,
// by `migrate` and by a plain open alike (as on SQLite, test/unit/store/migrate.test.ts).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { startPostgres, type PgServer } from '../../fixtures/postgres.ts';
import { PgStore } from '../../../src/store/postgres/store.ts';
import { PASSWORD_ENV } from '../../../src/store/postgres/connect.ts';
import { PG_MIGRATIONS_DIR } from '../../../src/store/postgres/migrate.ts';
import { MigrationFailedError, PendingMigrationsError, SchemaTooNewError } from '../../../src/store/migrations.ts';
import { systemClock } from '../../../src/clock.ts';

const PASSWORD = 'p@ss word/ümlaut';
let server: Promise<PgServer> | null = null;
const pg = () => (server ??= startPostgres({ password: PASSWORD }));
after(async () => { if (server) await (await server).stop(); });

/** A fresh database's URL with the password, and the same without it. */
async function database(): Promise<{ withPassword: string; bare: string }> {
  const withPassword = await (await pg()).freshDatabase();
  const bare = new URL(withPassword);
  bare.password = '';
  return { withPassword, bare: bare.toString() };
}

const open = (settings: { url: string; passwordFile?: string }, migrate: boolean, migrationsDir?: string) =>
  PgStore.open(settings, { clock: systemClock, migrate, ...(migrationsDir ? { migrationsDir } : {}) });

function withEnv<T>(value: string | undefined, run: () => Promise<T>): Promise<T> {
  const before = process.env[PASSWORD_ENV];
  if (value === undefined) delete process.env[PASSWORD_ENV];
  else process.env[PASSWORD_ENV] = value;
  return run().finally(() => {
    if (before === undefined) delete process.env[PASSWORD_ENV];
    else process.env[PASSWORD_ENV] = before;
  });
}

test('[postgres] the password from the URL, a file or the environment; refused without it or when wrong', async (t) => {
  const { withPassword, bare } = await database();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-pgpass-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const good = path.join(dir, 'good');
  const wrong = path.join(dir, 'wrong');
  fs.writeFileSync(good, `${PASSWORD}\nsecond line ignored\n`);
  fs.writeFileSync(wrong, 'not it\n');
  await withEnv(undefined, async () => {
    await assert.rejects(open({ url: bare }, true), /password/i, 'no password anywhere');
    await assert.rejects(open({ url: bare, passwordFile: wrong }, true), /password/i, 'a wrong one');
    const viaUrl = await open({ url: withPassword }, true);
    assert.ok(viaUrl.applied.length > 0, 'migrated over the URL\'s password');
    await viaUrl.close();
    const viaFile = await open({ url: bare, passwordFile: good }, false);
    assert.equal((await viaFile.domains.list()).length, 0);
    await viaFile.close();
    const urlWins = await open({ url: withPassword, passwordFile: wrong }, false);
    await urlWins.close();
  });
  await withEnv(PASSWORD, async () => {
    const viaEnv = await open({ url: bare }, false);
    await viaEnv.domains.add('example.test', []);
    await viaEnv.close();
    await assert.rejects(open({ url: bare, passwordFile: wrong }, false), /password/i, 'the file comes before the environment');
  });
});

test('[postgres] a new database is refused until migrated; two nodes migrating at once apply each migration once', async () => {
  const { withPassword: url } = await database();
  await assert.rejects(open({ url }, false), (e: unknown) => e instanceof PendingMigrationsError && /run "postern migrate"/.test(e.message));
  const [a, b] = await Promise.all([open({ url }, true), open({ url }, true)]);
  const known = fs.readdirSync(PG_MIGRATIONS_DIR).filter((f) => /^\d{4}_.*\.sql$/.test(f)).length;
  assert.deepEqual([a!.applied.length, b!.applied.length].sort((x, y) => x - y), [0, known], 'one node applied them all, the other none');
  await Promise.all([a!.close(), b!.close()]);
  const again = await open({ url }, true);
  assert.deepEqual(again.applied, [], 'nothing left to apply');
  await again.close();
});

test('[postgres] a failing migration leaves the schema as it was; a newer schema is refused', async (t) => {
  const { withPassword: url } = await database();
  const first = await open({ url }, true);
  await first.domains.add('kept.test', []);
  await first.close();
  // This code's migrations plus a broken one after them.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-pgmig-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const f of fs.readdirSync(PG_MIGRATIONS_DIR)) fs.copyFileSync(path.join(PG_MIGRATIONS_DIR, f), path.join(dir, f));
  fs.writeFileSync(path.join(dir, '9001_half.sql'), 'CREATE TABLE half (x BIGINT);\nTHIS IS NOT SQL;\n');
  await assert.rejects(open({ url }, true, dir), (e: unknown) => e instanceof MigrationFailedError && e.migration.version === 9001);
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  t.after(() => sql.end({ timeout: 5 }));
  assert.equal((await sql`SELECT to_regclass('half') AS t`)[0]!.t, null, 'the broken migration left nothing');
  assert.equal((await sql`SELECT count(*)::int AS n FROM schema_migrations WHERE version = 9001`)[0]!.n, 0);
  // A newer Postern's migration, as if that version had run here.
  await sql`INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future', 1)`;
  for (const migrate of [true, false]) {
    await assert.rejects(open({ url }, migrate), (e: unknown) => e instanceof SchemaTooNewError && /newer than this version of Postern/.test(e.message), `migrate: ${migrate}`);
  }
  assert.deepEqual((await sql`SELECT name FROM domains`).map((r) => r.name), ['kept.test'], 'nothing was touched');
});

test('[postgres] the CLI reads [store] password_file and POSTERN_STORE_PASSWORD from its configuration and environment', async (t) => {
  const { bare } = await database();
  const { makeInstance, cli } = await import('../../fixtures/postern.ts');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-pgpass-'));
  const secret = path.join(dir, 'db-password');
  fs.writeFileSync(secret, `${PASSWORD}\n`, { mode: 0o600 });
  const fromFile = makeInstance({ store: { engine: 'postgres', url: bare, password_file: secret } });
  const noPassword = makeInstance({ store: { engine: 'postgres', url: bare } });
  t.after(() => { for (const d of [dir, fromFile.dir, noPassword.dir]) fs.rmSync(d, { recursive: true, force: true }); });
  await withEnv(undefined, async () => {
    const r = cli(noPassword, ['migrate']);
    assert.notEqual(r.code, 0, 'refused without a password');
    assert.match(r.stderr, /password/i);
    const m = cli(fromFile, ['migrate', '--json']);
    assert.equal(m.code, 0, m.stderr);
    assert.ok(JSON.parse(m.stdout).applied.length > 0);
  });
  await withEnv(PASSWORD, async () => {
    const r = cli(noPassword, ['domain', 'add', 'example.test']);
    assert.equal(r.code, 0, r.stderr);
  });
});
