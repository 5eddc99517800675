// Conformance: what POP3 asks of the store, on both engines — the INBOX snapshot with RETR sizes,
// recorded sizes, the message in pieces, and the UPDATE-state expunge (RFC 1939 §6): all given
// UIDs in one change, shared content kept, quota freed, one 'expunge' change after commit; on
// PostgreSQL, two nodes expunging the same messages at once remove each exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { storeTest, openTestStore, openSecondNode } from './engines.ts';
import { collect } from '../fixtures/store-inspect.ts';
import { deliver, contentIndexOf } from '../../src/delivery/deliver.ts';
import type { Store } from '../../src/store/api.ts';
import type { MailboxChange } from '../../src/store/change-bus.ts';

async function setup(store: Store) {
  const domain = await store.domains.add('example.test', []);
  const alice = await store.accounts.add('alice@example.test', domain.id, 'x');
  const bob = await store.accounts.add('bob@example.test', domain.id, 'x');
  return { alice: alice.id, bob: bob.id };
}

storeTest('snapshot lists INBOX in UID order with the RETR sizes delivery counted; content stored without one is unknown until recorded', async (store) => {
  const { alice } = await setup(store);
  await deliver(store, { raw: Buffer.from('Subject: 1\r\n\r\na\r\n'), recipients: [{ accountId: alice }] });
  await deliver(store, { raw: Buffer.from('Subject: 2\n\nb\n.x'), recipients: [{ accountId: alice }] });
  await deliver(store, { raw: Buffer.from('Subject: junk\r\n\r\nc\r\n'), recipients: [{ accountId: alice, mailbox: 'Junk' }] });
  const { pop3Octets: _, ...older } = contentIndexOf(Buffer.from('Subject: 3\r\n\r\nc\r\n'));
  await store.storeMessage({ raw: Buffer.from('Subject: 3\r\n\r\nc\r\n'), prefix: Buffer.alloc(0), index: older, targets: [{ accountId: alice }], internalDate: 0, flags: [] });
  const snap = (await store.pop3.snapshot(alice))!;
  // Bare LFs are sent as CRLF and a last line gets its ending: "Subject: 2\r\n\r\nb\r\n.x\r\n".
  assert.deepEqual(snap.messages.map((m) => [m.uid, m.octets]), [[1, 17], [2, 21], [3, null]]);
  assert.equal(snap.mailboxId, (await store.mailboxes.find(alice, 'INBOX'))!.id);
  assert.equal(snap.uidValidity, (await store.mailboxes.find(alice, 'INBOX'))!.uidValidity);
  await store.pop3.recordOctets([{ contentId: snap.messages[2]!.contentId, octets: 17 }]);
  await store.pop3.recordOctets([{ contentId: snap.messages[2]!.contentId, octets: 99 }]);
  assert.deepEqual((await store.pop3.snapshot(alice))!.messages.map((m) => m.octets), [17, 21, 17], 'a recorded size is kept');
  assert.equal(await store.pop3.snapshot(9999), null);
  const empty = await store.accounts.add('empty@example.test', (await store.domains.find('example.test'))!.id, 'x');
  assert.deepEqual((await store.pop3.snapshot(empty.id))!.messages, []);
});

storeTest('expunge removes all given UIDs in one change, keeps shared content, frees quota, publishes after commit', async (store) => {
  const { alice, bob } = await setup(store);
  const raw = Buffer.from('Subject: shared\r\n\r\nbody\r\n');
  await deliver(store, { raw, recipients: [{ accountId: alice }, { accountId: bob }] });
  await deliver(store, { raw: Buffer.from('Subject: 2\r\n\r\nb\r\n'), recipients: [{ accountId: alice }] });
  await deliver(store, { raw: Buffer.from('Subject: 3\r\n\r\nc\r\n'), recipients: [{ accountId: alice }] });
  const before = (await store.pop3.snapshot(alice))!;
  const seen: MailboxChange[] = [];
  store.bus.subscribe(alice, (c) => seen.push(c));
  const removed = await store.pop3.expunge(alice, before.mailboxId, [3, 1, 42]);
  assert.deepEqual(removed, [1, 3], 'UIDs already gone are skipped; ascending');
  assert.deepEqual((await store.pop3.snapshot(alice))!.messages.map((m) => m.uid), [2]);
  assert.equal(seen.length, 1);
  assert.deepEqual([seen[0]!.kind, seen[0]!.uids, seen[0]!.mailboxId], ['expunge', [1, 3], before.mailboxId]);
  const box = (await store.mailboxes.find(alice, 'INBOX'))!;
  assert.equal(box.highestModseq, seen[0]!.modseq, 'the expunge has its own MODSEQ');
  assert.equal((await store.accounts.byId(alice))!.usedBytes, Buffer.byteLength('Subject: 2\r\n\r\nb\r\n'));
  const bobMsg = (await store.pop3.snapshot(bob))!.messages[0]!;
  assert.deepEqual(await store.contents.full(bobMsg.contentId), raw, "Bob's copy shares the content");
  await assert.rejects(collect(store.pop3.pieces(before.messages[2]!.contentId)), 'content only alice held is gone');
  assert.deepEqual(await store.pop3.expunge(alice, before.mailboxId, [1]), []);
  assert.deepEqual(await store.pop3.expunge(alice, before.mailboxId, []), []);
  assert.equal(seen.length, 1, 'nothing removed, nothing published');
});

storeTest('pieces() serves prefix and every chunk of a message larger than one chunk, in order', async (store) => {
  const { alice } = await setup(store);
  const body = Array.from({ length: 4000 }, (_, i) => `.line ${i} ${'y'.repeat(40)}`).join('\r\n');
  const raw = Buffer.from(`Subject: big\r\n\r\n${body}\r\n`);
  await deliver(store, { raw, prefix: 'Received: by test\r\n', recipients: [{ accountId: alice }] });
  const m = (await store.pop3.snapshot(alice))!.messages[0]!;
  const pieces = await collect(store.pop3.pieces(m.contentId));
  assert.ok(pieces.length >= 4, 'prefix and at least three chunks');
  assert.deepEqual(Buffer.concat(pieces), Buffer.concat([Buffer.from('Received: by test\r\n'), raw]));
  assert.deepEqual(Buffer.concat(pieces), await store.contents.full(m.contentId));
});

test('[postgres] two nodes expunging the same messages at once remove each exactly once', async (t) => {
  const store = await openTestStore('postgres', t);
  const second = await openSecondNode(store, t);
  const { alice } = await setup(store);
  for (let i = 0; i < 6; i++) await deliver(store, { raw: Buffer.from(`Subject: ${i}\r\n\r\nx\r\n`), recipients: [{ accountId: alice }] });
  const box = (await store.pop3.snapshot(alice))!.mailboxId;
  const [a, b] = await Promise.all([store.pop3.expunge(alice, box, [1, 2, 3, 4]), second.pop3.expunge(alice, box, [3, 4, 5, 6])]);
  assert.deepEqual([...a, ...b].sort((x, y) => x - y), [1, 2, 3, 4, 5, 6]);
  assert.equal(a.filter((u) => b.includes(u)).length, 0, 'no UID removed twice');
  assert.deepEqual((await second.pop3.snapshot(alice))!.messages, []);
  assert.equal((await store.accounts.byId(alice))!.usedBytes, 0);
});
