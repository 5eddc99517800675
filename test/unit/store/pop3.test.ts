import { test } from 'node:test';
import { collect } from '../../fixtures/store-inspect.ts';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../../../src/store/sqlite/store.ts';
import { deliver, contentIndexOf } from '../../../src/delivery/deliver.ts';
import type { MailboxChange } from '../../../src/store/change-bus.ts';

async function setup(t: { after(fn: () => void): void }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-'));
  let now = 1_700_000_000_000;
  const store = openStore(dir, { clock: { now: () => now++ }, migrate: true });
  t.after(() => {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const domain = await store.domains.add('example.test', []);
  const alice = await store.accounts.add('alice@example.test', domain.id, 'x');
  const bob = await store.accounts.add('bob@example.test', domain.id, 'x');
  return { store, alice: alice.id, bob: bob.id };
}

test('snapshot lists INBOX in UID order with the RETR sizes delivery counted; content stored without one is unknown until recorded', async (t) => {
  const { store, alice } = await setup(t);
  await deliver(store, { raw: Buffer.from('Subject: 1\r\n\r\na\r\n'), recipients: [{ accountId: alice }] });
  await deliver(store, { raw: Buffer.from('Subject: 2\n\nb\n.x'), recipients: [{ accountId: alice }] });
  await deliver(store, { raw: Buffer.from('Subject: junk\r\n\r\nc\r\n'), recipients: [{ accountId: alice, mailbox: 'Junk' }] });
  const { pop3Octets: _, ...older } = contentIndexOf(Buffer.from('Subject: 3\r\n\r\nc\r\n'));
  await store.storeMessage({ raw: Buffer.from('Subject: 3\r\n\r\nc\r\n'), prefix: Buffer.alloc(0), index: older, targets: [{ accountId: alice }], internalDate: 0, flags: [] });
  const snap = (await store.pop3.snapshot(alice))!;
  // Bare LFs are sent as CRLF and a last line gets its ending: "Subject: 2\r\n\r\nb\r\n.x\r\n".
  assert.deepEqual(snap.messages.map((m) => [m.uid, m.octets]), [[1, 17], [2, 21], [3, null]]);
  assert.ok(snap.uidValidity > 0);
  await store.pop3.recordOctets([{ contentId: snap.messages[2]!.contentId, octets: 17 }]);
  assert.deepEqual((await store.pop3.snapshot(alice))!.messages.map((m) => m.octets), [17, 21, 17]);
  assert.equal(await store.pop3.snapshot(9999), null);
});

test('expunge removes all given UIDs in one change, keeps shared content, frees quota, publishes after commit', async (t) => {
  const { store, alice, bob } = await setup(t);
  const raw = Buffer.from('Subject: shared\r\n\r\nbody\r\n');
  await deliver(store, { raw, recipients: [{ accountId: alice }, { accountId: bob }] });
  await deliver(store, { raw: Buffer.from('Subject: 2\r\n\r\nb\r\n'), recipients: [{ accountId: alice }] });
  await deliver(store, { raw: Buffer.from('Subject: 3\r\n\r\nc\r\n'), recipients: [{ accountId: alice }] });
  const before = (await store.pop3.snapshot(alice))!;
  const usedBefore = (await store.accounts.byId(alice))!.usedBytes;
  const seen: MailboxChange[] = [];
  store.bus.subscribe(alice, (c) => seen.push(c));
  const removed = await store.pop3.expunge(alice, before.mailboxId, [1, 3, 42]);
  assert.deepEqual(removed, [1, 3], 'UIDs already gone are skipped');
  assert.deepEqual((await store.pop3.snapshot(alice))!.messages.map((m) => m.uid), [2]);
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.kind, 'expunge');
  assert.deepEqual(seen[0]!.uids, [1, 3]);
  assert.ok((await store.accounts.byId(alice))!.usedBytes < usedBefore);
  // Bob's copy shares the content: it must still be readable.
  const bobMsg = (await store.pop3.snapshot(bob))!.messages[0]!;
  assert.deepEqual(await store.contents.full(bobMsg.contentId), raw);
  // Alice's third message had its own content: it is gone.
  await assert.rejects(collect(store.pop3.pieces(before.messages[2]!.contentId)));
  assert.deepEqual(await store.pop3.expunge(alice, before.mailboxId, [1]), []);
  assert.equal(seen.length, 1, 'nothing removed, nothing published');
});

test('pieces() serves prefix and every chunk of a message larger than one chunk, in order', async (t) => {
  const { store, alice } = await setup(t);
  const body = Array.from({ length: 4000 }, (_, i) => `.line ${i} ${'y'.repeat(40)}`).join('\r\n');
  const raw = Buffer.from(`Subject: big\r\n\r\n${body}\r\n`);
  await deliver(store, { raw, prefix: 'Received: by test\r\n', recipients: [{ accountId: alice }] });
  const m = (await store.pop3.snapshot(alice))!.messages[0]!;
  const pieces = await collect(store.pop3.pieces(m.contentId));
  assert.ok(pieces.length >= 4, 'prefix and at least three chunks');
  assert.deepEqual(Buffer.concat(pieces), Buffer.concat([Buffer.from('Received: by test\r\n'), raw]));
  assert.deepEqual(Buffer.concat(pieces), await store.contents.full(m.contentId));
});
