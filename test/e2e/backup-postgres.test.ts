// `postern backup`, `verify` and `restore` on the PostgreSQL engine, as an operator runs them (the
// real bin/postern against a real PostgreSQL server): the backup holds the store as a SQLite file
// with the same manifest, `verify` checks it and the live database, and `restore` puts it into an
// empty database with every message, UID, UIDVALIDITY and flag as it was; a database that is not
// empty is refused and left untouched.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { addUser, cli, makeInstance, type Instance } from '../fixtures/postern.ts';
import { startPostgres, type PgServer } from '../fixtures/postgres.ts';
import { PgStore } from '../../src/store/postgres/store.ts';
import { readManifest } from '../../src/backup/manifest.ts';
import type { Store } from '../../src/store/api.ts';

let pg: PgServer;
let source: Instance;
let backupDir: string;

const mbox = [
  'From a@example.test Thu Jan  2 10:00:00 2020', 'From: a@example.test', 'Subject: first', '', 'one', '',
  'From b@example.test Fri Jan  3 10:00:00 2020', 'From: b@example.test', 'Subject: flagged', 'X-Status: F', 'X-Keywords: $Label1', '', 'two', '',
].join('\n');

function instanceOn(url: string): Instance {
  return makeInstance({ store: { engine: 'postgres', url } });
}

/** Every message with its mailbox, UIDVALIDITY, UID, flags and a digest of its bytes. */
async function fingerprint(url: string): Promise<string[]> {
  const store: Store = await PgStore.open({ url }, { clock: { now: () => Date.now() }, migrate: false });
  try {
    const out: string[] = [];
    for (const account of await store.accounts.list()) {
      for (const box of await store.mailboxes.list(account.id)) {
        for (const m of await store.exportPage(box.id, 0, 1000)) {
          const digest = crypto.createHash('sha256').update(await store.contents.full(m.contentId)).digest('hex');
          out.push(`${account.address} ${box.name} ${box.uidValidity} ${m.uid} ${m.flags.join(',')} ${digest}`);
        }
      }
    }
    return out.sort();
  } finally {
    await store.close();
  }
}

before(async () => {
  pg = await startPostgres();
  source = instanceOn(await pg.freshDatabase());
  const migrated = cli(source, ['migrate']);
  assert.equal(migrated.code, 0, migrated.stderr);
  addUser(source, 'alice@example.test', 'correct horse');
  const file = path.join(source.dir, 'in.mbox');
  fs.writeFileSync(file, mbox);
  const imported = cli(source, ['import', 'alice@example.test', file]);
  assert.equal(imported.code, 0, imported.stderr);
  backupDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'postern-pg-backups-')), 'first');
});
after(() => pg.stop());

test('backup of a PostgreSQL store: a manifest naming the engine, verified as a backup and live', () => {
  const b = cli(source, ['backup', backupDir]);
  assert.equal(b.code, 0, b.stderr);
  assert.match(b.stdout, /Backed up 2 message\(s\) in \d+ mailbox\(es\) of 1 account\(s\)/);
  const manifest = readManifest(backupDir);
  assert.equal(manifest.engine, 'postgres');
  assert.equal(manifest.counts.messages, 2);
  const v = cli(source, ['verify', backupDir]);
  assert.equal(v.code, 0, v.stdout + v.stderr);
  assert.match(v.stdout, /All \d+ checks hold/);
  const live = cli(source, ['verify']);
  assert.equal(live.code, 0, live.stdout + live.stderr);
  assert.match(live.stdout, /All \d+ checks hold for 127\.0\.0\.1:\d+\/postern_test_/);
});

test('restore into an empty PostgreSQL database gives back every message as it was; a non-empty one is refused', async () => {
  const targetUrl = await pg.freshDatabase();
  const target = instanceOn(targetUrl);
  const r = cli(target, ['restore', backupDir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Restored the backup of .* \(2 message\(s\), 1 account\(s\)/);
  const [before, restored] = [await fingerprint(readStoreUrl(source)), await fingerprint(targetUrl)];
  assert.equal(restored.length, 2);
  assert.deepEqual(restored, before);
  assert.ok(restored.some((l) => /\\Flagged/.test(l) && /\$Label1/.test(l)), restored.join('\n'));
  const again = cli(target, ['restore', backupDir, '--force']);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /not empty/);
  assert.deepEqual(await fingerprint(targetUrl), before, 'the refused restore changed nothing');
});

function readStoreUrl(instance: Instance): string {
  const m = /url = "([^"]+)"/.exec(fs.readFileSync(instance.configFile, 'utf8'));
  if (!m) throw new Error('no [store] url in the instance config');
  return m[1]!;
}
