// The sieve area on both engines: one active script per account, the active one cannot be deleted,
// renaming keeps it active; the vacation memory gives one reply per sender and handle until it
// expires (one winner even when two nodes claim at once); the duplicate tracker's ids expire.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { storeTest, openTestStore, openSecondNode } from './engines.ts';
import { SieveScriptActiveError, SieveScriptExistsError, SieveScriptNotFoundError } from '../../src/store/sieve.ts';
import type { Store } from '../../src/store/api.ts';

async function account(store: Store, address = 'a@example.test'): Promise<number> {
  const domain = (await store.domains.find('example.test')) ?? await store.domains.add('example.test', []);
  return (await store.accounts.add(address, domain.id, 'x')).id;
}

storeTest('sieve scripts: one active per account, the active one cannot be deleted, rename keeps it active', async (store) => {
  const a = await account(store);
  const b = await account(store, 'b@example.test');
  await store.sieve.put(a, 'one', 'keep;');
  await store.sieve.put(a, 'two', 'discard;');
  await store.sieve.put(a, 'Été', 'keep; # é');
  await store.sieve.put(b, 'one', 'stop;');
  await store.sieve.setActive(a, 'one');
  await store.sieve.setActive(b, 'one');
  await store.sieve.setActive(a, 'two');
  assert.deepEqual((await store.sieve.list(a)).map((s) => [s.name, s.active, s.size]), [['one', false, 5], ['two', true, 8], ['Été', false, 10]]);
  assert.ok((await store.sieve.list(a)).every((s) => typeof s.updatedAt === 'number'));
  assert.deepEqual(await store.sieve.active(b), { name: 'one', script: 'stop;' });
  assert.equal(await store.sieve.get(a, 'two'), 'discard;');
  assert.equal(await store.sieve.get(a, 'nope'), null);
  await assert.rejects(store.sieve.delete(a, 'two'), SieveScriptActiveError);
  await assert.rejects(store.sieve.delete(a, 'nope'), SieveScriptNotFoundError);
  await assert.rejects(store.sieve.setActive(a, 'nope'), SieveScriptNotFoundError);
  await assert.rejects(store.sieve.rename(a, 'two', 'one'), SieveScriptExistsError);
  await assert.rejects(store.sieve.rename(a, 'nope', 'other'), SieveScriptNotFoundError);
  await store.sieve.rename(a, 'two', 'main');
  assert.equal((await store.sieve.active(a))!.name, 'main');
  await store.sieve.put(a, 'main', 'keep;');
  assert.deepEqual(await store.sieve.active(a), { name: 'main', script: 'keep;' }, 'replacing keeps it active');
  await store.sieve.setActive(a, null);
  assert.equal(await store.sieve.active(a), null);
  await store.sieve.delete(a, 'one');
  assert.deepEqual(await store.sieve.usage(a), { scripts: 2, bytes: 15 });
  assert.deepEqual(await store.sieve.usage(a, 'Été'), { scripts: 1, bytes: 5 }, 'the one being replaced is left out');
  assert.deepEqual(await store.sieve.usage(b, 'nope'), { scripts: 1, bytes: 5 });
  await store.accounts.remove(b);
  assert.deepEqual(await store.sieve.list(b), [], 'scripts go with the account');
});

storeTest('vacation memory: one reply per sender and handle until it expires', async (store) => {
  const a = await account(store);
  assert.equal(await store.sieve.vacationRecent(a, 'alice@remote.test', 'h', 1000), false);
  assert.equal(await store.sieve.claimVacation(a, 'Alice@Remote.test', 'h', 1000, 60), true);
  assert.equal(await store.sieve.claimVacation(a, 'alice@remote.test', 'h', 2000, 60), false);
  assert.equal(await store.sieve.claimVacation(a, 'alice@remote.test', 'other', 2000, 60), true, 'another handle is another memory');
  assert.equal(await store.sieve.vacationRecent(a, 'ALICE@remote.test', 'h', 60_999), true);
  assert.equal(await store.sieve.vacationRecent(a, 'alice@remote.test', 'h', 61_000), false);
  assert.equal(await store.sieve.claimVacation(a, 'alice@remote.test', 'h', 61_000, 60), true, 'after :seconds a new reply is due');
  assert.equal(await store.sieve.vacationRecent(a, 'alice@remote.test', 'h', 120_999), true);
});

storeTest('duplicate tracker: ids expire; without refresh the first expiry stays', async (store) => {
  const a = await account(store);
  await store.sieve.recordDuplicates(a, [], 0);
  await store.sieve.recordDuplicates(a, [{ key: 'k', seconds: 10, refresh: true }, { key: 'j', seconds: 1, refresh: true }], 0);
  assert.equal(await store.sieve.duplicateSeen(a, 'k', 5000), true);
  assert.equal(await store.sieve.duplicateSeen(a, 'j', 1000), false);
  await store.sieve.recordDuplicates(a, [{ key: 'k', seconds: 10, refresh: false }], 5000);
  assert.equal(await store.sieve.duplicateSeen(a, 'k', 10_001), false, 'not extended');
  await store.sieve.recordDuplicates(a, [{ key: 'k', seconds: 10, refresh: true }], 9000);
  assert.equal(await store.sieve.duplicateSeen(a, 'k', 18_999), true, 'refresh extends');
  await store.sieve.recordDuplicates(a, [{ key: 'k', seconds: 10, refresh: false }], 19_001);
  assert.equal(await store.sieve.duplicateSeen(a, 'k', 25_000), true, 'an expired id is recorded anew');
});

test('[postgres] two nodes claiming one vacation reply at once: exactly one replies', async (t) => {
  const a = await openTestStore('postgres', t);
  const b = await openSecondNode(a, t);
  const id = await account(a);
  for (let round = 0; round < 5; round++) {
    const now = 1_000_000 + round * 120_000;
    const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).sieve.claimVacation(id, 'alice@remote.test', 'h', now, 60)));
    assert.equal(claims.filter(Boolean).length, 1, `round ${round}: ${claims}`);
  }
});
