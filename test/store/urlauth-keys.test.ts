// Store conformance: URLAUTH mailbox access keys (RFC 4467 §7) on both engines, through the
// interface only — made once (a second ensure keeps the first key), per mailbox and per account,
// replaced by RESETKEY with a mailbox, all removed by RESETKEY without one, and gone with the
// mailbox (a recreated mailbox has none) and with the account.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { storeTest } from './engines.ts';
import type { Store } from '../../src/store/api.ts';

async function account(store: Store, address: string): Promise<number> {
  const domain = (await store.domains.find('example.test')) ?? await store.domains.add('example.test', []);
  return (await store.accounts.add(address, domain.id, '$scrypt$x')).id;
}

const fresh = () => crypto.randomBytes(32);

storeTest('URLAUTH keys: made once per mailbox, replaced, reset, gone with the mailbox and the account', async (store) => {
  const keys = store.urlAuthKeys;
  const alice = await account(store, 'alice@example.test');
  const bob = await account(store, 'bob@example.test');
  const inbox = (await store.imapMailboxes.byName(alice, 'INBOX'))!;
  const work = await store.imapMailboxes.create(alice, 'Work');
  assert.equal(await keys.key(alice, inbox.id, inbox.uidValidity), null);

  const first = fresh();
  const k1 = await keys.ensure(alice, inbox.id, inbox.uidValidity, first);
  assert.deepEqual(k1, first);
  // A second ensure (another session, another node) keeps the key that exists.
  assert.deepEqual(await keys.ensure(alice, inbox.id, inbox.uidValidity, fresh()), first);
  assert.deepEqual(await keys.key(alice, inbox.id, inbox.uidValidity), first);
  // Only for its account and its incarnation of the mailbox.
  assert.equal(await keys.key(bob, inbox.id, inbox.uidValidity), null);
  assert.equal(await keys.key(alice, inbox.id, inbox.uidValidity + 1), null);
  assert.equal(await keys.ensure(bob, inbox.id, inbox.uidValidity, fresh()), null);

  const workKey = (await keys.ensure(alice, work.id, work.uidValidity, fresh()))!;
  assert.notDeepEqual(workKey, first);

  // RESETKEY mailbox: that key only is replaced.
  const second = fresh();
  assert.equal(await keys.replace(alice, inbox.id, inbox.uidValidity, second), true);
  assert.deepEqual(await keys.key(alice, inbox.id, inbox.uidValidity), second);
  assert.deepEqual(await keys.key(alice, work.id, work.uidValidity), workKey);
  assert.equal(await keys.replace(bob, inbox.id, inbox.uidValidity, fresh()), false);
  assert.deepEqual(await keys.key(alice, inbox.id, inbox.uidValidity), second);

  // RESETKEY: every key of the user, nobody else's.
  const bobInbox = (await store.imapMailboxes.byName(bob, 'INBOX'))!;
  const bobKey = (await keys.ensure(bob, bobInbox.id, bobInbox.uidValidity, fresh()))!;
  assert.equal(await keys.removeAll(alice), 2);
  assert.equal(await keys.key(alice, inbox.id, inbox.uidValidity), null);
  assert.equal(await keys.key(alice, work.id, work.uidValidity), null);
  assert.deepEqual(await keys.key(bob, bobInbox.id, bobInbox.uidValidity), bobKey);

  // Gone with the mailbox: a recreated mailbox of the same name has no key.
  await keys.ensure(alice, work.id, work.uidValidity, fresh());
  await store.imapMailboxes.delete(alice, 'Work');
  const again = await store.imapMailboxes.create(alice, 'Work');
  assert.equal(await keys.key(alice, again.id, again.uidValidity), null);
  assert.equal(await keys.key(alice, work.id, work.uidValidity), null);
  const newKey = (await keys.ensure(alice, again.id, again.uidValidity, fresh()))!;
  assert.ok(newKey.length === 32);

  // Gone with the account.
  await store.accounts.remove(bob);
  assert.equal(await keys.removeAll(bob), 0);
});
