// Conformance: domains, accounts, aliases and mailbox listings on both engines, through the store
// interface only — what a new account gets, lookups and listings in byte order, quota and password
// updates, removal (an account's content is released only when its last holder goes), import's
// ensureMailbox and export's pages.
import assert from 'node:assert/strict';
import { storeTest } from './engines.ts';
import { deliver } from '../../src/delivery/deliver.ts';

const raw = (body: string) => Buffer.from(`From: carol@remote.test\r\nSubject: s\r\n\r\n${body}\r\n`);

storeTest('an account gets INBOX and the special-use folders, subscribed, each with its own UIDVALIDITY', async (store) => {
  const d = await store.domains.add('example.test', []);
  const a = await store.accounts.add('alice@example.test', d.id, '$scrypt$x');
  assert.deepEqual({ ...a, id: 0, createdAt: 0 }, { id: 0, address: 'alice@example.test', domainId: d.id, passwordHash: '$scrypt$x', quotaBytes: 0, usedBytes: 0, createdAt: 0 });
  const boxes = await store.mailboxes.list(a.id);
  assert.deepEqual(boxes.map((b) => [b.name, b.specialUse, b.subscribed]), [
    ['INBOX', null, true], ['Archive', '\\Archive', true], ['Drafts', '\\Drafts', true], ['Junk', '\\Junk', true], ['Sent', '\\Sent', true], ['Trash', '\\Trash', true],
  ]);
  assert.equal(new Set(boxes.map((b) => b.uidValidity)).size, boxes.length);
  for (const b of boxes) assert.deepEqual([b.uidNext, b.highestModseq, b.messages, b.size, b.accountId], [1, 0, 0, 0, a.id]);
  assert.deepEqual(await store.mailboxes.find(a.id, 'Junk'), boxes.find((b) => b.name === 'Junk'));
  assert.equal(await store.mailboxes.find(a.id, 'junk'), null, 'names are exact');
  const b = await store.accounts.add('bob@example.test', d.id, 'x');
  const bobBoxes = await store.mailboxes.list(b.id);
  assert.ok(Math.min(...bobBoxes.map((x) => x.uidValidity)) > Math.max(...boxes.map((x) => x.uidValidity)), 'UIDVALIDITY comes from one database-wide counter');
});

storeTest('accounts: lookups, listings in byte order, per domain, password and quota updates, no duplicate address', async (store) => {
  const d = await store.domains.add('example.test', []);
  const e = await store.domains.add('other.test', []);
  const z = await store.accounts.add('zed@example.test', d.id, 'h1');
  const b = await store.accounts.add('Bob@example.test', d.id, 'h2');
  const o = await store.accounts.add('ann@other.test', e.id, 'h3');
  assert.deepEqual((await store.accounts.list()).map((x) => x.address), ['Bob@example.test', 'ann@other.test', 'zed@example.test']);
  assert.deepEqual((await store.accounts.list(d.id)).map((x) => x.id), [b.id, z.id]);
  assert.deepEqual((await store.accounts.list(e.id)).map((x) => x.id), [o.id]);
  assert.equal((await store.accounts.byAddress('zed@example.test'))!.id, z.id);
  assert.equal(await store.accounts.byAddress('ZED@example.test'), null);
  assert.equal(await store.accounts.byId(999_999), null);
  await store.accounts.setPassword(z.id, 'new');
  await store.accounts.setQuota(z.id, 12345);
  const after = (await store.accounts.byId(z.id))!;
  assert.deepEqual([after.passwordHash, after.quotaBytes], ['new', 12345]);
  await assert.rejects(store.accounts.add('zed@example.test', d.id, 'again'));
  assert.equal((await store.accounts.list()).length, 3);
});

storeTest('domains: keys, counts, find, isLocal; removal needs force while accounts remain', async (store) => {
  const keys = [
    { selector: 's1', algorithm: 'rsa-sha256' as const, privateKeyPem: 'PEM1', publicKey: 'PUB1' },
    { selector: 's2', algorithm: 'ed25519-sha256' as const, privateKeyPem: 'PEM2', publicKey: 'PUB2' },
  ];
  const d = await store.domains.add('example.test', keys);
  await store.domains.add('b.test', []);
  assert.deepEqual(d, { id: d.id, name: 'example.test', createdAt: d.createdAt, accounts: 0, aliases: 0 });
  assert.deepEqual(await store.domains.dkimKeys('example.test'), [keys[0], keys[1]], 'rsa before ed25519 (algorithm descending)');
  assert.deepEqual(await store.domains.dkimKeys('b.test'), []);
  await assert.rejects(store.domains.add('example.test', []));
  const a = await store.accounts.add('alice@example.test', d.id, 'x');
  await store.aliases.add(d.id, 'all@example.test', ['alice@example.test']);
  assert.deepEqual((await store.domains.list()).map((x) => [x.name, x.accounts, x.aliases]), [['b.test', 0, 0], ['example.test', 1, 1]]);
  assert.deepEqual(await store.domains.find('example.test'), { ...d, accounts: 1, aliases: 1 });
  assert.equal(await store.domains.find('nope.test'), null);
  assert.equal(await store.domains.isLocal('example.test'), true);
  assert.equal(await store.domains.isLocal('nope.test'), false);
  await assert.rejects(store.domains.remove(d.id, false), 'accounts still refer to it');
  assert.equal(await store.domains.isLocal('example.test'), true, 'the failed removal changed nothing');
  assert.deepEqual(await store.aliases.targets('all@example.test'), ['alice@example.test']);
  const [copy] = await deliver(store, { raw: raw('kept'), recipients: [{ accountId: a.id }] });
  await store.domains.remove(d.id, true);
  assert.equal(await store.domains.isLocal('example.test'), false);
  assert.equal(await store.accounts.byId(a.id), null);
  assert.deepEqual(await store.aliases.list(), []);
  assert.deepEqual(await store.domains.dkimKeys('example.test'), []);
  assert.equal(await store.exportPage(copy!.mailboxId, 0, 10).then((r) => r.length), 0);
});

storeTest('aliases: targets in order, grouped listing, duplicates ignored, partial and whole removal', async (store) => {
  const d = await store.domains.add('example.test', []);
  await store.aliases.add(d.id, 'team@example.test', ['zed@example.test', 'ann@example.test', 'zed@example.test']);
  await store.aliases.add(d.id, '@example.test', ['catch@example.test']);
  await store.aliases.add(d.id, 'team@example.test', ['bob@example.test']);
  assert.deepEqual(await store.aliases.targets('team@example.test'), ['ann@example.test', 'bob@example.test', 'zed@example.test']);
  assert.deepEqual(await store.aliases.list(), [
    { source: '@example.test', targets: ['catch@example.test'] },
    { source: 'team@example.test', targets: ['ann@example.test', 'bob@example.test', 'zed@example.test'] },
  ]);
  assert.equal(await store.aliases.remove('team@example.test', ['bob@example.test', 'nobody@example.test']), 1);
  assert.equal(await store.aliases.remove('team@example.test'), 2);
  assert.equal(await store.aliases.remove('team@example.test'), 0);
  assert.deepEqual(await store.aliases.targets('team@example.test'), []);
});

storeTest('removing accounts releases shared content only when its last holder goes', async (store) => {
  const d = await store.domains.add('example.test', []);
  const alice = (await store.accounts.add('alice@example.test', d.id, 'x')).id;
  const bob = (await store.accounts.add('bob@example.test', d.id, 'x')).id;
  const [a1, b1, a2] = await deliver(store, { raw: raw('shared'), recipients: [{ accountId: alice }, { accountId: bob }, { accountId: alice, mailbox: 'Archive' }] });
  const [own] = await deliver(store, { raw: raw('only alice'), recipients: [{ accountId: alice }] });
  const shared = (await store.exportPage(a1!.mailboxId, 0, 10))[0]!.contentId;
  const mine = (await store.exportPage(own!.mailboxId, 0, 10))[1]!.contentId;
  assert.equal((await store.exportPage(a2!.mailboxId, 0, 10))[0]!.contentId, shared);
  await store.accounts.remove(alice);
  assert.equal(await store.accounts.byId(alice), null);
  assert.deepEqual(await store.mailboxes.list(alice), []);
  assert.equal(await store.contents.info(mine), null, 'content only alice held is gone');
  assert.deepEqual(await store.contents.full(shared), raw('shared'), 'bob still holds the shared content');
  assert.equal((await store.exportPage(b1!.mailboxId, 0, 10)).length, 1);
  await store.accounts.remove(bob);
  assert.equal(await store.contents.info(shared), null);
  await assert.rejects(store.contents.full(shared));
});

storeTest('ensureMailbox creates a path with its parents, subscribed, and reuses what exists', async (store) => {
  const d = await store.domains.add('example.test', []);
  const a = (await store.accounts.add('alice@example.test', d.id, 'x')).id;
  await store.ensureMailbox(a, 'Archive/2024/Q1');
  const before = await store.mailboxes.list(a);
  const names = before.map((b) => b.name);
  assert.ok(names.includes('Archive/2024') && names.includes('Archive/2024/Q1'));
  assert.ok(before.find((b) => b.name === 'Archive/2024/Q1')!.subscribed);
  await store.ensureMailbox(a, 'Archive/2024/Q1');
  await store.ensureMailbox(a, 'INBOX');
  assert.deepEqual(await store.mailboxes.list(a), before, 'nothing recreated: UIDVALIDITY stays');
});

storeTest('exportPage pages a mailbox in UID order with IMAP flags and INTERNALDATE', async (store) => {
  const d = await store.domains.add('example.test', []);
  const a = (await store.accounts.add('alice@example.test', d.id, 'x')).id;
  for (let i = 0; i < 5; i++) await deliver(store, { raw: raw(`m${i}`), recipients: [{ accountId: a }], internalDate: 1_000 + i, flags: i === 2 ? ['\\Answered', 'Label'] : [] });
  const box = (await store.mailboxes.find(a, 'INBOX'))!;
  const first = await store.exportPage(box.id, 0, 2);
  const rest = await store.exportPage(box.id, first[first.length - 1]!.uid, 10);
  assert.deepEqual([...first, ...rest].map((r) => [r.uid, r.internalDate, r.flags]), [
    [1, 1_000, []], [2, 1_001, []], [3, 1_002, ['\\Answered', 'Label']], [4, 1_003, []], [5, 1_004, []],
  ]);
  assert.deepEqual(await store.contents.full(rest[0]!.contentId), raw('m2'));
});
