import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../../../src/store/store.ts';
import { SieveScriptActiveError, SieveScriptExistsError, SieveScriptNotFoundError } from '../../../src/store/sieve.ts';

function tempStore() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-'));
  const store = openStore(dir, { clock: { now: () => 1_000_000 }, migrate: true });
  return { store, done: () => { store.close(); fs.rmSync(dir, { recursive: true, force: true }); } };
}

test('sieve scripts: one active per account, the active one cannot be deleted, rename keeps it active', async (t) => {
  const { store, done } = tempStore();
  t.after(done);
  const domain = await store.domains.add('example.test', []);
  const a = await store.accounts.add('a@example.test', domain.id, 'x');
  const b = await store.accounts.add('b@example.test', domain.id, 'x');
  await store.sieve.put(a.id, 'one', 'keep;');
  await store.sieve.put(a.id, 'two', 'discard;');
  await store.sieve.put(b.id, 'one', 'stop;');
  await store.sieve.setActive(a.id, 'one');
  await store.sieve.setActive(b.id, 'one');
  await store.sieve.setActive(a.id, 'two');
  assert.deepEqual((await store.sieve.list(a.id)).map((s) => [s.name, s.active, s.size]), [['one', false, 5], ['two', true, 8]]);
  assert.deepEqual(await store.sieve.active(b.id), { name: 'one', script: 'stop;' });
  await assert.rejects(store.sieve.delete(a.id, 'two'), SieveScriptActiveError);
  await assert.rejects(store.sieve.setActive(a.id, 'nope'), SieveScriptNotFoundError);
  await assert.rejects(store.sieve.rename(a.id, 'two', 'one'), SieveScriptExistsError);
  await store.sieve.rename(a.id, 'two', 'main');
  assert.equal((await store.sieve.active(a.id))!.name, 'main');
  await store.sieve.put(a.id, 'main', 'keep;');
  assert.deepEqual(await store.sieve.active(a.id), { name: 'main', script: 'keep;' }, 'replacing keeps it active');
  await store.sieve.setActive(a.id, null);
  assert.equal(await store.sieve.active(a.id), null);
  await store.sieve.delete(a.id, 'one');
  assert.deepEqual(await store.sieve.usage(a.id), { scripts: 1, bytes: 5 });
  await store.accounts.remove(b.id);
  assert.equal(store.db.prepare('SELECT count(*) FROM sieve_scripts WHERE account_id = ?').pluck().get(b.id), 0, 'scripts go with the account');
});

test('vacation memory: one reply per sender and handle until it expires', async (t) => {
  const { store, done } = tempStore();
  t.after(done);
  const domain = await store.domains.add('example.test', []);
  const a = await store.accounts.add('a@example.test', domain.id, 'x');
  assert.equal(await store.sieve.claimVacation(a.id, 'Alice@Remote.test', 'h', 1000, 60), true);
  assert.equal(await store.sieve.claimVacation(a.id, 'alice@remote.test', 'h', 2000, 60), false);
  assert.equal(await store.sieve.claimVacation(a.id, 'alice@remote.test', 'other', 2000, 60), true, 'another handle is another memory');
  assert.equal(await store.sieve.vacationRecent(a.id, 'alice@remote.test', 'h', 60_999), true);
  assert.equal(await store.sieve.claimVacation(a.id, 'alice@remote.test', 'h', 61_000, 60), true, 'after :seconds a new reply is due');
});

test('duplicate tracker: ids expire; without refresh the first expiry stays', async (t) => {
  const { store, done } = tempStore();
  t.after(done);
  const domain = await store.domains.add('example.test', []);
  const a = await store.accounts.add('a@example.test', domain.id, 'x');
  await store.sieve.recordDuplicates(a.id, [{ key: 'k', seconds: 10, refresh: true }], 0);
  assert.equal(await store.sieve.duplicateSeen(a.id, 'k', 5000), true);
  await store.sieve.recordDuplicates(a.id, [{ key: 'k', seconds: 10, refresh: false }], 5000);
  assert.equal(await store.sieve.duplicateSeen(a.id, 'k', 10_001), false, 'not extended');
  await store.sieve.recordDuplicates(a.id, [{ key: 'k', seconds: 10, refresh: false }], 10_001);
  assert.equal(await store.sieve.duplicateSeen(a.id, 'k', 15_000), true, 'an expired id is recorded anew');
});
