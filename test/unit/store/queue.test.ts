import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../../../src/store/store.ts';

function tempStore(clock = { now: () => 1_000_000 }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-'));
  const store = openStore(dir, { clock, migrate: true });
  return { store, dir, done: () => { store.close(); fs.rmSync(dir, { recursive: true, force: true }); } };
}

const raw = Buffer.from('From: a@example.test\r\nTo: b@remote.test\r\nSubject: hi\r\n\r\nhello\r\n');

test('accept stores local copies and queue rows in one transaction sharing the content', async (t) => {
  const { store, done } = tempStore();
  t.after(done);
  const domain = await store.domains.add('example.test', []);
  const acct = await store.accounts.add('a@example.test', domain.id, 'x');
  const { copies, queueMessageId } = await store.queue.accept({
    raw, prefix: Buffer.from('Received: x\r\n'), index: null, localTargets: [{ accountId: acct.id, mailbox: '\\Sent' }],
    internalDate: 1, sender: 'a@example.test', accountId: acct.id, remoteRecipients: ['b@remote.test', 'c@Other.test', 'd@bücher.test'], expiresAt: 9_000_000,
  }, 1_000_000);
  assert.equal(copies.length, 1);
  assert.ok(queueMessageId);
  const contents = store.db.prepare('SELECT refcount FROM contents').pluck().all();
  assert.deepEqual(contents, [2]);
  const shown = await store.queue.show(queueMessageId!);
  assert.deepEqual(shown!.recipients.map((r) => [r.recipient, r.status]), [['b@remote.test', 'pending'], ['c@Other.test', 'pending'], ['d@bücher.test', 'pending']]);
  assert.deepEqual((await store.queue.dueDomains(1_000_000, 10)).sort(), ['other.test', 'remote.test', 'xn--bcher-kva.test']);
  assert.equal((await store.contents.full(store.db.prepare('SELECT content_id FROM queue_messages').pluck().get() as number)).toString(), 'Received: x\r\n' + raw.toString());
});

test('claimDue pushes next_attempt_at forward before returning; record finishes and releases', async (t) => {
  const { store, done } = tempStore();
  t.after(done);
  const { queueMessageId } = await store.queue.accept({
    raw, prefix: Buffer.alloc(0), index: null, localTargets: [], internalDate: 1, sender: 'a@example.test', accountId: null,
    remoteRecipients: ['b@remote.test', 'c@remote.test'], expiresAt: 9_000_000,
  }, 1000);
  assert.deepEqual(await store.queue.backlog(), { pending: 2, deferred: 0, oldestCreatedAt: 1000 });
  const claimed = await store.queue.claimDue('remote.test', 2000, 2000 + 900_000, 10);
  assert.equal(claimed.length, 2);
  assert.equal(claimed[0]!.sender, 'a@example.test');
  // A crash now: nothing is due again until the lease ends.
  assert.deepEqual(await store.queue.dueDomains(2000 + 899_999, 10), []);
  assert.deepEqual(await store.queue.dueDomains(2000 + 900_000, 10), ['remote.test']);
  assert.deepEqual(await store.queue.claimDue('remote.test', 3000, 3000 + 900_000, 10), []);

  await store.queue.record([
    { id: claimed[0]!.id, status: 'delivered', reply: '250 ok', host: 'mx' },
    { id: claimed[1]!.id, status: 'deferred', nextAttemptAt: 50_000, reply: '451 later', host: 'mx' },
  ], 4000);
  const row = await store.queue.show(queueMessageId!);
  assert.deepEqual(row!.recipients.map((r) => [r.status, r.attempts, r.nextAttemptAt, r.lastError]), [['delivered', 1, 4000, null], ['deferred', 1, 50_000, '451 later']]);
  assert.equal(row!.recipients[1]!.history[0]!.reply, '451 later');
  assert.equal(await store.queue.nextDue(), 50_000);
  // The delivered recipient no longer counts as waiting.
  assert.deepEqual(await store.queue.backlog(), { pending: 0, deferred: 1, oldestCreatedAt: 1000 });

  // retry makes it due now; flush (null) does the same for every message.
  assert.equal(await store.queue.retry(queueMessageId!, 5000), 1);
  assert.deepEqual(await store.queue.dueDomains(5000, 10), ['remote.test']);

  await store.queue.record([{ id: claimed[1]!.id, status: 'failed', reply: '550 no' }], 6000);
  assert.equal(await store.queue.show(queueMessageId!), null);
  assert.deepEqual(await store.queue.backlog(), { pending: 0, deferred: 0, oldestCreatedAt: null });
  assert.deepEqual(store.db.prepare('SELECT count(*) FROM contents').pluck().all(), [0]);
  assert.deepEqual(store.db.prepare('SELECT count(*) FROM blob_chunks').pluck().all(), [0]);
});

test('delete removes a message without touching local copies', async (t) => {
  const { store, done } = tempStore();
  t.after(done);
  const domain = await store.domains.add('example.test', []);
  const acct = await store.accounts.add('a@example.test', domain.id, 'x');
  const { queueMessageId } = await store.queue.accept({
    raw, prefix: Buffer.alloc(0), index: null, localTargets: [{ accountId: acct.id }], internalDate: 1, sender: 'a@example.test',
    accountId: acct.id, remoteRecipients: ['b@remote.test'], expiresAt: 9_000_000,
  }, 1000);
  assert.equal((await store.queue.list()).length, 1);
  assert.equal(await store.queue.retry(null, 1000), 1);
  assert.equal(await store.queue.delete(queueMessageId!), true);
  assert.equal(await store.queue.delete(queueMessageId!), false);
  assert.deepEqual(await store.queue.list(), []);
  assert.deepEqual(store.db.prepare('SELECT refcount FROM contents').pluck().all(), [1]);
});

test('recordSoon shares one commit among outcomes arriving together', async (t) => {
  const { store, done } = tempStore();
  t.after(done);
  await store.queue.accept({ raw, prefix: Buffer.alloc(0), index: null, localTargets: [], internalDate: 1, sender: 'a@example.test', accountId: null,
    remoteRecipients: ['b@remote.test', 'c@remote.test', 'd@remote.test'], expiresAt: 9_000_000 }, 1000);
  const claimed = await store.queue.claimDue('remote.test', 2000, 900_000, 10);
  let commits = 0;
  const write = (store.queue as unknown as { write: (w: unknown) => Promise<unknown> });
  const original = write.write;
  write.write = (w) => { commits++; return original(w); };
  await Promise.all([
    store.queue.recordSoon([{ id: claimed[0]!.id, status: 'delivered', reply: '250' }], 3000, 10),
    store.queue.recordSoon([{ id: claimed[1]!.id, status: 'delivered', reply: '250' }], 3001, 10),
    store.queue.recordSoon([{ id: claimed[2]!.id, status: 'deferred', nextAttemptAt: 9000, reply: '451' }], 3002, 10),
  ]);
  assert.equal(commits, 1);
  const [m] = await store.queue.list();
  assert.deepEqual(m!.recipients.map((r) => r.status), ['delivered', 'delivered', 'deferred']);
});
