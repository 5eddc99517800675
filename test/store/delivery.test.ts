// Conformance: delivery into mailboxes (Store.storeMessage / storeMessages through src/delivery's
// deliver), on both engines — content stored once and shared, UIDs and MODSEQs allocated in the
// delivering transaction, quota, special-use and created targets, flags, all-or-nothing, the
// published changes; import keeping the source's order; and on PostgreSQL, two nodes delivering to one mailbox at once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { storeTest, openSecondNode, openTestStore } from './engines.ts';
import type { Store } from '../../src/store/api.ts';
import { deliver, deliverAll, NoSuchMailboxError, OverQuotaError } from '../../src/delivery/deliver.ts';
import type { MailboxChange } from '../../src/store/change-bus.ts';
import { importMessages } from '../../src/import/importer.ts';
import type { ImportedMessage } from '../../src/import/message.ts';

async function setup(store: Store): Promise<{ alice: number; bob: number }> {
  const d = await store.domains.add('example.com', []);
  const alice = (await store.accounts.add('alice@example.com', d.id, 'x')).id;
  const bob = (await store.accounts.add('bob@example.com', d.id, 'x')).id;
  return { alice, bob };
}

const message = (body: string) => Buffer.from(`From: carol@remote.test\r\nTo: alice@example.com\r\nSubject: hello\r\nDate: Sat, 21 Nov 2026 10:00:00 +0000\r\nMessage-ID: <m1@remote.test>\r\n\r\n${body}`);

async function rows(store: Store, accountId: number, mailbox: string) {
  const box = (await store.mailboxes.find(accountId, mailbox))!;
  return store.exportPage(box.id, 0, 1_000_000);
}

storeTest('one message to several recipients is stored once, with UIDs, MODSEQs and published changes', async (store) => {
  const { alice, bob } = await setup(store);
  const heard: MailboxChange[] = [];
  store.bus.subscribe(alice, (c) => heard.push(c));
  const copies = await deliver(store, { raw: message('hi\r\n'), prefix: 'Received: from x by y\r\n', recipients: [{ accountId: alice }, { accountId: bob }, { accountId: alice, mailbox: '\\Junk' }] });
  assert.deepEqual(copies.map((c) => [c.accountId, c.uid]), [[alice, 1], [bob, 1], [alice, 1]]);
  const [inbox] = await rows(store, alice, 'INBOX');
  const [junk] = await rows(store, alice, 'Junk');
  const [bobs] = await rows(store, bob, 'INBOX');
  assert.equal(inbox!.contentId, junk!.contentId, 'content stored once');
  assert.equal(inbox!.contentId, bobs!.contentId);
  assert.equal(copies[0]!.modseq, copies[2]!.modseq, 'one MODSEQ per account per message');
  assert.deepEqual(heard.map((c) => [c.kind, c.mailboxId, c.uids]), [['append', copies[0]!.mailboxId, [1]], ['append', copies[2]!.mailboxId, [1]]]);
  const second = await deliver(store, { raw: message('again\r\n'), recipients: [{ accountId: alice }] });
  assert.equal(second[0]!.uid, 2, 'UIDs ascend');
  assert.ok(second[0]!.modseq > copies[0]!.modseq, 'MODSEQ grows');
  const box = (await store.mailboxes.find(alice, 'INBOX'))!;
  assert.equal(box.uidNext, 3);
  assert.equal(box.messages, 2);
  assert.equal(box.highestModseq, second[0]!.modseq);
  assert.equal(box.uidValidity, second[0]!.uidValidity);
  assert.equal((await store.mailboxes.find(alice, 'Junk'))!.messages, 1);
  const size = Buffer.byteLength('Received: from x by y\r\n') + message('hi\r\n').length;
  assert.equal((await store.accounts.byId(alice))!.usedBytes, 2 * size + message('again\r\n').length);
  assert.equal((await store.accounts.byId(bob))!.usedBytes, size);
});

storeTest('a recipient over quota fails the whole delivery and stores nothing; bounces pass with ignoreQuota', async (store) => {
  const { alice, bob } = await setup(store);
  await store.accounts.setQuota(bob, 10);
  await assert.rejects(deliver(store, { raw: message('x\r\n'), recipients: [{ accountId: alice }, { accountId: bob }] }), OverQuotaError);
  assert.equal((await store.mailboxes.find(alice, 'INBOX'))!.messages, 0);
  assert.equal((await store.accounts.byId(alice))!.usedBytes, 0);
  assert.equal((await store.mailboxes.find(alice, 'INBOX'))!.uidNext, 1, 'no UID was used up');
  const copies = await deliver(store, { raw: message('bounce\r\n'), recipients: [{ accountId: bob }], ignoreQuota: true });
  assert.equal(copies.length, 1);
  assert.equal((await store.accounts.byId(bob))!.usedBytes, message('bounce\r\n').length);
  // Two copies for one account count twice against its quota.
  const one = message('q\r\n').length;
  await store.accounts.setQuota(alice, one + 1);
  await assert.rejects(deliver(store, { raw: message('q\r\n'), recipients: [{ accountId: alice }, { accountId: alice, mailbox: 'Archive' }] }), OverQuotaError);
  await deliver(store, { raw: message('q\r\n'), recipients: [{ accountId: alice }] });
  assert.equal((await store.accounts.byId(alice))!.usedBytes, one);
});

storeTest('targets: special-use with INBOX as fallback, unknown mailboxes and accounts refused, create with parents', async (store) => {
  const { alice } = await setup(store);
  const [sent] = await deliver(store, { raw: message('s\r\n'), recipients: [{ accountId: alice, mailbox: '\\Sent' }] });
  assert.equal(sent!.mailboxId, (await store.mailboxes.find(alice, 'Sent'))!.id);
  const [fallback] = await deliver(store, { raw: message('f\r\n'), recipients: [{ accountId: alice, mailbox: '\\Important' }] });
  assert.equal(fallback!.mailboxId, (await store.mailboxes.find(alice, 'INBOX'))!.id);
  await assert.rejects(deliver(store, { raw: message('n\r\n'), recipients: [{ accountId: alice, mailbox: 'Nowhere' }] }), NoSuchMailboxError);
  await assert.rejects(deliver(store, { raw: message('n\r\n'), recipients: [{ accountId: alice }, { accountId: 999_999 }] }), NoSuchMailboxError);
  assert.equal((await store.mailboxes.find(alice, 'INBOX'))!.messages, 1, 'the refused delivery stored nothing');
  const heard: MailboxChange[] = [];
  store.bus.subscribe(alice, (c) => heard.push(c));
  const [made] = await deliver(store, { raw: message('c\r\n'), recipients: [{ accountId: alice, mailbox: 'Lists/work/daily', create: true }] });
  const names = (await store.mailboxes.list(alice)).map((b) => b.name);
  for (const n of ['Lists', 'Lists/work', 'Lists/work/daily']) assert.ok(names.includes(n), n);
  const daily = (await store.mailboxes.find(alice, 'Lists/work/daily'))!;
  assert.equal(made!.mailboxId, daily.id);
  assert.equal(made!.uid, 1);
  assert.deepEqual(heard.map((c) => c.kind), ['mailboxes', 'append'], 'the new mailbox is announced before the copy in it');
  const [again] = await deliver(store, { raw: message('c2\r\n'), recipients: [{ accountId: alice, mailbox: 'Lists/work/daily', create: true }] });
  assert.equal(again!.mailboxId, daily.id, 'an existing mailbox is reused');
  assert.equal(again!.uid, 2);
});

storeTest('flags: the input flags, or each target its own; system flags and keywords', async (store) => {
  const { alice, bob } = await setup(store);
  await deliver(store, { raw: message('fl\r\n'), flags: ['\\Seen', '$Forwarded', '\\flagged', '$forwarded'], recipients: [{ accountId: alice }, { accountId: bob, flags: ['Work'] }] });
  assert.deepEqual((await rows(store, alice, 'INBOX'))[0]!.flags, ['\\Seen', '\\Flagged', '$Forwarded']);
  assert.deepEqual((await rows(store, bob, 'INBOX'))[0]!.flags, ['Work']);
});

storeTest('MULTIAPPEND: several messages commit together, or none when one fails', async (store) => {
  const { alice } = await setup(store);
  const copies = await deliverAll(store, [
    { raw: message('1\r\n'), recipients: [{ accountId: alice }], internalDate: 1_000 },
    { raw: message('2\r\n'), recipients: [{ accountId: alice }], internalDate: 2_000 },
  ]);
  assert.deepEqual(copies.map((c) => c[0]!.uid), [1, 2]);
  assert.deepEqual((await rows(store, alice, 'INBOX')).map((r) => r.internalDate), [1_000, 2_000]);
  await assert.rejects(deliverAll(store, [
    { raw: message('3\r\n'), recipients: [{ accountId: alice }] },
    { raw: message('4\r\n'), recipients: [{ accountId: alice, mailbox: 'Missing' }] },
  ]), NoSuchMailboxError);
  assert.equal((await store.mailboxes.find(alice, 'INBOX'))!.messages, 2);
  assert.equal((await store.mailboxes.find(alice, 'INBOX'))!.uidNext, 3);
});

storeTest('concurrent deliveries to one mailbox all land with UIDs 1..n', async (store) => {
  const { alice } = await setup(store);
  const results = await Promise.all(Array.from({ length: 150 }, (_, i) => deliver(store, { raw: message(`n${i}\r\n`), recipients: [{ accountId: alice }] })));
  assert.deepEqual(results.map((r) => r[0]!.uid).sort((a, b) => a - b), Array.from({ length: 150 }, (_, i) => i + 1));
  assert.equal(new Set(results.map((r) => r[0]!.modseq)).size, 150);
});

test('[postgres] two nodes delivering to one mailbox at once: unique, strictly increasing UIDs and MODSEQs, none missing', async (t) => {
  const store = await openTestStore('postgres', t);
  const second = await openSecondNode(store, t);
  const { alice } = await setup(store);
  const per = 100;
  const run = (node: Store, tag: string) => Array.from({ length: per }, (_, i) => deliver(node, { raw: message(`${tag}${i}\r\n`), recipients: [{ accountId: alice }] }));
  const copies = (await Promise.all([...run(store, 'a'), ...run(second, 'b')])).map((c) => c[0]!);
  const byUid = copies.sort((a, b) => a.uid - b.uid);
  assert.deepEqual(byUid.map((c) => c.uid), Array.from({ length: 2 * per }, (_, i) => i + 1));
  for (let i = 1; i < byUid.length; i++) assert.ok(byUid[i]!.modseq > byUid[i - 1]!.modseq, `MODSEQ grows with the UID at ${byUid[i]!.uid}`);
  const stored = await rows(second, alice, 'INBOX');
  assert.deepEqual(stored.map((r) => r.uid), byUid.map((c) => c.uid));
  const box = (await store.mailboxes.find(alice, 'INBOX'))!;
  assert.equal(box.messages, 2 * per);
  assert.equal(box.uidNext, 2 * per + 1);
  assert.equal(box.highestModseq, byUid[byUid.length - 1]!.modseq);
});

storeTest('import: UIDs follow the source order across folders and batches (IMPORT_BATCH_MESSAGES), on either engine', async (store) => {
  const { alice } = await setup(store);
  const folders = [[], ['Work'], []] as string[][];
  async function* source(): AsyncIterable<ImportedMessage> {
    for (let i = 0; i < 150; i++) {
      // A slow read now and then, so a batch commits while the next is being read.
      if (i % 20 === 0) await new Promise((r) => setTimeout(r, 5));
      yield { folder: folders[i % folders.length]!, raw: message(`n${i}\r\n`), flags: [], internalDate: 1_600_000_000_000 + i * 1000 };
    }
  }
  const result = await importMessages(store, alice, source());
  assert.equal(result.total, 150);
  for (const [mailbox, expected] of [['INBOX', (i: number) => i % 3 !== 1], ['Work', (i: number) => i % 3 === 1]] as const) {
    const order = (await rows(store, alice, mailbox)).map((r) => (r.internalDate - 1_600_000_000_000) / 1000);
    assert.deepEqual(order, Array.from({ length: 150 }, (_, i) => i).filter(expected), `${mailbox} in the source's order`);
  }
});
