import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { collect, mailboxMessages } from '../../fixtures/store-inspect.ts';
import { openStore } from '../../../src/store/sqlite/store.ts';
import type { Store } from '../../../src/store/api.ts';
import { contentIndexOf, deliver, OverQuotaError } from '../../../src/delivery/deliver.ts';
import { indexBehindPrefix, indexMessage } from '../../../src/mime/index.ts';
import { resolveRecipient } from '../../../src/delivery/recipients.ts';
import type { MailboxChange } from '../../../src/store/change-bus.ts';

async function setup(): Promise<{ store: Store; alice: number; bob: number }> {
  const store = openStore(fs.mkdtempSync(path.join(os.tmpdir(), 'postern-deliver-')), { clock: { now: () => 1_700_000_000_000 }, migrate: true });
  const d = await store.domains.add('example.com', []);
  await store.domains.add('xn--bcher-kva.example', []);
  const alice = (await store.accounts.add('alice@example.com', d.id, 'x')).id;
  const bob = (await store.accounts.add('bob@example.com', d.id, 'x')).id;
  return { store, alice, bob };
}

const message = (body: string) => Buffer.from(`From: carol@remote.test\r\nTo: alice@example.com\r\nSubject: hello\r\nDate: Sat, 21 Nov 2026 10:00:00 +0000\r\nMessage-ID: <m1@remote.test>\r\n\r\n${body}`);

test('one message to several recipients is stored once, with UIDs, modseq and a published change', async (t) => {
  const { store, alice, bob } = await setup();
  t.after(() => store.close());
  const heard: MailboxChange[] = [];
  store.bus.subscribe(alice, (c) => heard.push(c));
  const copies = await deliver(store, { raw: message('hi\r\n'), prefix: 'Received: from x by y\r\n', recipients: [{ accountId: alice }, { accountId: bob }, { accountId: alice, mailbox: '\\Junk' }] });
  assert.deepEqual(copies.map((c) => [c.accountId, c.uid]), [[alice, 1], [bob, 1], [alice, 1]]);
  const held = [...await mailboxMessages(store, alice), ...await mailboxMessages(store, alice, 'Junk'), ...await mailboxMessages(store, bob)];
  assert.equal(held.length, 3);
  assert.equal(new Set(held.map((m) => m.contentId)).size, 1, 'content stored once');
  assert.equal(heard.length, 2, 'alice heard of both of her copies');
  assert.equal(heard[0]!.kind, 'append');
  const second = await deliver(store, { raw: message('again\r\n'), recipients: [{ accountId: alice }] });
  assert.equal(second[0]!.uid, 2, 'UIDs ascend');
  assert.ok(second[0]!.modseq > copies[0]!.modseq, 'modseq grows');
  const inbox = (await store.mailboxes.find(alice, 'INBOX'))!;
  assert.equal(inbox.uidNext, 3);
  assert.equal(inbox.messages, 2);
  const junk = (await store.mailboxes.find(alice, 'Junk'))!;
  assert.equal(junk.messages, 1);
});

test('the stored content serves prefix + raw, its ranges and its precomputed IMAP data', async (t) => {
  const { store, alice } = await setup();
  t.after(() => store.close());
  const raw = Buffer.concat([message(''), Buffer.alloc(200_000, 'a')]);
  await deliver(store, { raw, prefix: 'X-Added: yes\r\n', recipients: [{ accountId: alice }] });
  const box = (await store.mailboxes.find(alice, 'INBOX'))!;
  const [stored] = await store.imapMessages.fetchPage(box.id, 1, 1, 1, { envelope: true });
  const row = { id: stored!.contentId, size: (await store.contents.info(stored!.contentId))!.size, envelope: stored!.envelope! };
  const full = await store.contents.full(row.id);
  assert.equal(row.size, raw.length + 14);
  assert.equal(stored!.size, row.size);
  assert.ok(full.equals(Buffer.concat([Buffer.from('X-Added: yes\r\n'), raw])));
  assert.ok((await store.contents.range(row.id, 5, 100_005)).equals(full.subarray(5, 100_005)));
  assert.ok((await store.contents.range(row.id, 150_000, 999_999)).equals(full.subarray(150_000)));
  assert.ok(Buffer.concat(await collect(store.contents.pieces(row.id))).equals(full));
  assert.match(row.envelope, /^\("Sat, 21 Nov 2026 10:00:00 \+0000" "hello" \(\(NIL NIL "carol" "remote.test"\)\)/);
});

test('a recipient over quota fails the whole delivery and stores nothing', async (t) => {
  const { store, alice, bob } = await setup();
  t.after(() => store.close());
  await store.accounts.setQuota(bob, 10);
  await assert.rejects(deliver(store, { raw: message('x\r\n'), recipients: [{ accountId: alice }, { accountId: bob }] }), OverQuotaError);
  for (const id of [alice, bob]) assert.deepEqual(await mailboxMessages(store, id), [], 'no copy for anyone');
  assert.equal((await store.mailboxes.find(alice, 'INBOX'))!.uidNext, 1, 'no UID used up');
  assert.equal((await store.accounts.byId(alice))!.usedBytes, 0);
});

test('concurrent deliveries share commits and all land', async (t) => {
  const { store, alice } = await setup();
  t.after(() => store.close());
  const results = await Promise.all(Array.from({ length: 300 }, (_, i) => deliver(store, { raw: message(`n${i}\r\n`), recipients: [{ accountId: alice }] })));
  const uids = results.map((r) => r[0]!.uid).sort((a, b) => a - b);
  assert.deepEqual(uids, Array.from({ length: 300 }, (_, i) => i + 1));
});

test('recipients resolve through aliases, plus-addressing, catch-all, case and IDN', async (t) => {
  const { store, alice, bob } = await setup();
  t.after(() => store.close());
  const d = (await store.domains.find('example.com'))!;
  const idn = (await store.domains.find('xn--bcher-kva.example'))!;
  await store.aliases.add(d.id, 'team@example.com', ['alice@example.com', 'bob@example.com']);
  await store.aliases.add(d.id, 'loop1@example.com', ['loop2@example.com']);
  await store.aliases.add(d.id, 'loop2@example.com', ['loop1@example.com']);
  await store.aliases.add(idn.id, '@xn--bcher-kva.example', ['bob@example.com']);
  assert.deepEqual(await resolveRecipient(store, 'ALICE@Example.COM'), { kind: 'local', accountIds: [alice], forwards: [] });
  assert.deepEqual(await resolveRecipient(store, 'alice+news@example.com'), { kind: 'local', accountIds: [alice], forwards: [] });
  assert.deepEqual(await resolveRecipient(store, 'team@example.com'), { kind: 'local', accountIds: [alice, bob].sort(), forwards: [] });
  assert.deepEqual(await resolveRecipient(store, 'team+x@example.com'), { kind: 'local', accountIds: [alice, bob].sort(), forwards: [] });
  assert.deepEqual(await resolveRecipient(store, 'nobody@example.com'), { kind: 'unknown-user' });
  assert.deepEqual(await resolveRecipient(store, 'loop1@example.com'), { kind: 'unknown-user' });
  assert.deepEqual(await resolveRecipient(store, 'anyone@bücher.example'), { kind: 'local', accountIds: [bob], forwards: [] });
  assert.deepEqual(await resolveRecipient(store, 'anyone@XN--BCHER-KVA.example'), { kind: 'local', accountIds: [bob], forwards: [] });
  assert.deepEqual(await resolveRecipient(store, 'x@elsewhere.org'), { kind: 'not-local' });
  await store.aliases.add(d.id, 'out@example.com', ['Friend@Elsewhere.org', 'alice@example.com']);
  await store.aliases.add(d.id, 'away@example.com', ['friend@elsewhere.org']);
  assert.deepEqual(await resolveRecipient(store, 'out@example.com'), { kind: 'local', accountIds: [alice], forwards: ['friend@elsewhere.org'] });
  assert.deepEqual(await resolveRecipient(store, 'away@example.com'), { kind: 'local', accountIds: [], forwards: ['friend@elsewhere.org'] }, 'an alias that only forwards is still ours');
  assert.deepEqual(await resolveRecipient(store, 'no-at-sign'), { kind: 'invalid' });
});

test('removing accounts releases shared content only when its last holder goes', async (t) => {
  const { store, alice, bob } = await setup();
  t.after(() => store.close());
  const [copy] = await deliver(store, { raw: message('shared\r\n'), recipients: [{ accountId: alice }, { accountId: bob }] });
  const [held] = await mailboxMessages(store, alice);
  assert.ok(copy && held);
  await store.accounts.remove(alice);
  assert.ok((await store.contents.full(held.contentId)).equals(held.bytes), 'bob still holds it, whole');
  await store.accounts.remove(bob);
  assert.equal(await store.contents.info(held.contentId), null, 'released with its last holder');
  await assert.rejects(store.contents.full(held.contentId));
});

test('a caller\'s parse of raw gives the stored index a whole parse of prefix + raw gives, POP3 octets included', () => {
  const prefix = Buffer.from('Authentication-Results: mx.example.com; spf=pass\r\nX-Spam-Score: 0.0 (inbox)\r\nReceived: from a by b; Sat, 21 Nov 2026 10:00:00 +0000\r\n');
  for (const raw of [message('.dot\r\n..two\r\nend'), message(''), Buffer.from('no header\r\n.\r\n')]) {
    const derived = contentIndexOf([prefix, raw], indexBehindPrefix(indexMessage(raw), raw, prefix));
    assert.deepEqual(derived, contentIndexOf(Buffer.concat([prefix, raw])));
  }
});
