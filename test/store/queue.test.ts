// The queue area on both engines: accept stores local copies and queue rows in one transaction
// sharing one content; a claim is a lease (nothing is due again until it ends); record finishes
// recipients and releases the content with the last one; recordSoon shares one commit; list, show,
// retry, delete; onEnqueued wakes the worker. On PostgreSQL, across nodes: two nodes claiming one
// domain at once never get the same recipient, an expired lease is claimable again by another
// node, and a queued message wakes the other node's worker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { storeTest, openTestStore, openSecondNode } from './engines.ts';
import type { Store } from '../../src/store/api.ts';
import type { AcceptInput } from '../../src/store/queue.ts';

const raw = Buffer.from('From: a@example.test\r\nTo: b@remote.test\r\nSubject: hi\r\n\r\nhello\r\n');

function input(over: Partial<AcceptInput>): AcceptInput {
  return {
    raw, prefix: Buffer.alloc(0), index: null, localTargets: [], internalDate: 1, sender: 'a@example.test', accountId: null,
    remoteRecipients: ['b@remote.test'], expiresAt: 9_000_000, ...over,
  };
}

async function account(store: Store): Promise<number> {
  const domain = await store.domains.add('example.test', []);
  return (await store.accounts.add('a@example.test', domain.id, 'x')).id;
}

storeTest('accept stores the local copy and the queue rows sharing one content', async (store) => {
  const acct = await account(store);
  const prefix = Buffer.from('Received: x\r\n');
  const { copies, queueMessageId } = await store.queue.accept(input({
    prefix, localTargets: [{ accountId: acct }], accountId: acct, remoteRecipients: ['b@remote.test', 'c@Other.test', 'd@bücher.test'],
  }), 1_000_000);
  assert.equal(copies.length, 1);
  assert.equal(copies[0]!.accountId, acct);
  assert.ok(queueMessageId);
  const shown = await store.queue.show(queueMessageId!);
  assert.deepEqual(shown!.recipients.map((r) => [r.recipient, r.status, r.attempts, r.nextAttemptAt, r.history]), [
    ['b@remote.test', 'pending', 0, 1_000_000, []], ['c@Other.test', 'pending', 0, 1_000_000, []], ['d@bücher.test', 'pending', 0, 1_000_000, []],
  ]);
  assert.deepEqual({ ...shown!, recipients: [] }, { id: queueMessageId, sender: 'a@example.test', accountId: acct, createdAt: 1_000_000, expiresAt: 9_000_000, size: prefix.length + raw.length, recipients: [] });
  assert.deepEqual((await store.queue.dueDomains(1_000_000, 10)).sort(), ['other.test', 'remote.test', 'xn--bcher-kva.test']);
  const [claimed] = await store.queue.claimDue('remote.test', 1_000_000, 2_000_000, 10);
  const inbox = (await store.pop3.snapshot(acct))!;
  assert.equal(inbox.messages.length, 1);
  assert.equal(inbox.messages[0]!.contentId, claimed!.contentId, 'the mailbox copy and the queue share one content');
  assert.equal((await store.contents.full(claimed!.contentId)).toString(), 'Received: x\r\n' + raw.toString());
  // Finishing every recipient releases the queue's reference only: the mailbox copy stays.
  const rest = [...await store.queue.claimDue('other.test', 1_000_000, 2_000_000, 10), ...await store.queue.claimDue('xn--bcher-kva.test', 1_000_000, 2_000_000, 10)];
  await store.queue.record([claimed!, ...rest].map((r) => ({ id: r.id, status: 'delivered' as const, reply: '250 ok' })), 1_000_001);
  assert.equal(await store.queue.show(queueMessageId!), null);
  assert.equal((await store.contents.full(claimed!.contentId)).toString(), 'Received: x\r\n' + raw.toString());
});

storeTest('accept with local targets only queues nothing; a failed local copy queues nothing either', async (store) => {
  const acct = await account(store);
  const local = await store.queue.accept(input({ localTargets: [{ accountId: acct }], remoteRecipients: [] }), 1000);
  assert.equal(local.queueMessageId, null);
  assert.equal(local.copies.length, 1);
  await assert.rejects(store.queue.accept(input({ localTargets: [{ accountId: acct, mailbox: 'Nope' }], remoteRecipients: ['b@remote.test'] }), 1000));
  assert.deepEqual(await store.queue.list(), [], 'one transaction: no queue rows without the local copy');
  assert.equal((await store.pop3.snapshot(acct))!.messages.length, 1);
});

storeTest('claimDue leases before returning; record finishes and releases the content', async (store) => {
  let woken = 0;
  const stop = store.queue.onEnqueued(() => woken++);
  const { queueMessageId } = await store.queue.accept(input({ remoteRecipients: ['b@remote.test', 'c@remote.test'] }), 1000);
  assert.equal(woken, 1, 'the worker is woken after the commit');
  stop();
  await store.queue.accept(input({ remoteRecipients: [] }), 1000);
  assert.deepEqual(await store.queue.backlog(), { pending: 2, deferred: 0, oldestCreatedAt: 1000 });
  assert.equal(await store.queue.countDue(999), 0);
  assert.equal(await store.queue.countDue(1000), 2);
  assert.equal(await store.queue.nextDue(), 1000);
  const claimed = await store.queue.claimDue('remote.test', 2000, 2000 + 900_000, 10);
  assert.equal(claimed.length, 2);
  assert.deepEqual({ ...claimed[0]!, id: 0, messageId: 0, contentId: 0 }, {
    id: 0, messageId: 0, recipient: 'b@remote.test', domain: 'remote.test', attempts: 0, sender: 'a@example.test', accountId: null,
    contentId: 0, createdAt: 1000, expiresAt: 9_000_000, lastError: null, delayNotifiedAt: null,
  });
  assert.equal(claimed[0]!.messageId, queueMessageId);
  assert.equal((await store.contents.full(claimed[0]!.contentId)).toString(), raw.toString());
  // A crash now: nothing is due again until the lease ends.
  assert.equal(await store.queue.countDue(2000 + 899_999), 0);
  assert.deepEqual(await store.queue.dueDomains(2000 + 899_999, 10), []);
  assert.deepEqual(await store.queue.dueDomains(2000 + 900_000, 10), ['remote.test']);
  assert.deepEqual(await store.queue.claimDue('remote.test', 3000, 3000 + 900_000, 10), []);

  await store.queue.record([
    { id: claimed[0]!.id, status: 'delivered', reply: '250 ok', host: 'mx' },
    { id: claimed[1]!.id, status: 'deferred', nextAttemptAt: 50_000, reply: '451 later', host: 'mx', delayNotified: true },
  ], 4000);
  const row = await store.queue.show(queueMessageId!);
  assert.deepEqual(row!.recipients.map((r) => [r.status, r.attempts, r.nextAttemptAt, r.lastError]), [['delivered', 1, 4000, null], ['deferred', 1, 50_000, '451 later']]);
  assert.deepEqual(row!.recipients[1]!.history, [{ at: 4000, host: 'mx', reply: '451 later' }]);
  assert.equal(await store.queue.nextDue(), 50_000);
  assert.deepEqual(await store.queue.backlog(), { pending: 0, deferred: 1, oldestCreatedAt: 1000 });
  const [again] = await store.queue.claimDue('remote.test', 50_000, 60_000, 10);
  assert.equal(again!.attempts, 1);
  assert.equal(again!.lastError, '451 later');
  assert.equal(again!.delayNotifiedAt, 4000);

  // retry makes it due now; flush (null) does the same for every message.
  assert.equal(await store.queue.retry(queueMessageId!, 5000), 1);
  assert.equal(await store.queue.retry(queueMessageId! + 1000, 5000), 0);
  assert.deepEqual(await store.queue.dueDomains(5000, 10), ['remote.test']);

  await store.queue.record([{ id: claimed[1]!.id, status: 'failed', reply: '550 no' }], 6000);
  assert.equal(await store.queue.show(queueMessageId!), null);
  assert.deepEqual(await store.queue.backlog(), { pending: 0, deferred: 0, oldestCreatedAt: null });
  assert.equal(await store.queue.nextDue(), null);
  assert.equal(await store.contents.info(claimed[0]!.contentId), null, 'the last recipient released the content');
  await store.queue.record([{ id: claimed[1]!.id, status: 'failed', reply: '550 again' }], 7000);
});

storeTest('renewClaims extends only the leases still held: not a recorded claim, not one a later claim took', async (store) => {
  await store.queue.accept(input({ remoteRecipients: ['b@remote.test', 'c@remote.test'] }), 1000);
  const claimed = await store.queue.claimDue('remote.test', 2000, 122_000, 10);
  const ids = claimed.map((c) => c.id);
  assert.deepEqual((await store.queue.renewClaims(claimed, 122_000, 150_000)).sort(), [...ids].sort());
  assert.deepEqual(await store.queue.dueDomains(149_999, 10), [], 'renewed: nothing due before the new end');
  assert.deepEqual(await store.queue.renewClaims(claimed, 122_000, 180_000), [], 'a renewal from a lease that is no longer the current one');
  await store.queue.record([{ id: ids[0]!, status: 'deferred', nextAttemptAt: 150_000, reply: '451 later' }], 3000);
  assert.deepEqual(await store.queue.renewClaims(claimed, 150_000, 180_000), [ids[1]], 'the recorded one is left alone, even due at the lease\'s end');
  // The other ran out and another node claimed it: the first node's renewal does nothing.
  const [taken] = await store.queue.claimDue('remote.test', 180_000, 300_000, 10);
  assert.ok(taken);
  assert.deepEqual(await store.queue.renewClaims(claimed, 180_000, 400_000), []);
  assert.deepEqual(await store.queue.renewClaims([], 1, 2), []);
});

storeTest('the history keeps the first five attempts and the latest ones, twenty in all', async (store) => {
  const { queueMessageId } = await store.queue.accept(input({}), 0);
  const [r] = await store.queue.claimDue('remote.test', 0, 1, 1);
  for (let i = 0; i < 25; i++) await store.queue.record([{ id: r!.id, status: 'deferred', nextAttemptAt: 10, reply: `451 try ${i}` }], i);
  const [shown] = (await store.queue.show(queueMessageId!))!.recipients;
  assert.equal(shown!.attempts, 25);
  assert.deepEqual(shown!.history.map((h) => h.reply), [0, 1, 2, 3, 4, ...Array.from({ length: 15 }, (_, i) => i + 10)].map((i) => `451 try ${i}`));
});

storeTest('delete removes a message without touching local copies', async (store) => {
  const acct = await account(store);
  const { queueMessageId } = await store.queue.accept(input({ localTargets: [{ accountId: acct }], accountId: acct }), 1000);
  const second = await store.queue.accept(input({ remoteRecipients: ['x@far.test', 'y@far.test'] }), 1001);
  assert.deepEqual((await store.queue.list()).map((m) => [m.id, m.recipients.length]), [[queueMessageId, 1], [second.queueMessageId, 2]]);
  assert.equal(await store.queue.retry(null, 1000), 3);
  assert.equal(await store.queue.delete(queueMessageId!), true);
  assert.equal(await store.queue.delete(queueMessageId!), false);
  assert.deepEqual((await store.queue.list()).map((m) => m.id), [second.queueMessageId]);
  const inbox = (await store.pop3.snapshot(acct))!;
  assert.equal((await store.contents.full(inbox.messages[0]!.contentId)).toString(), raw.toString());
});

storeTest('recordSoon shares one commit among outcomes arriving together', async (store) => {
  await store.queue.accept(input({ remoteRecipients: ['b@remote.test', 'c@remote.test', 'd@remote.test'] }), 1000);
  const claimed = await store.queue.claimDue('remote.test', 2000, 900_000, 10);
  let records = 0;
  const q = store.queue as unknown as { record: (...a: unknown[]) => Promise<void> };
  const original = q.record.bind(store.queue);
  q.record = (...a) => { records++; return original(...a); };
  await Promise.all([
    store.queue.recordSoon([{ id: claimed[0]!.id, status: 'delivered', reply: '250' }], 3000, 10),
    store.queue.recordSoon([{ id: claimed[1]!.id, status: 'delivered', reply: '250' }], 3001, 10),
    store.queue.recordSoon([{ id: claimed[2]!.id, status: 'deferred', nextAttemptAt: 9000, reply: '451' }], 3002, 10),
  ]);
  assert.equal(records, 1);
  const [m] = await store.queue.list();
  assert.deepEqual(m!.recipients.map((r) => [r.status, r.history[0]!.at]), [['delivered', 3002], ['delivered', 3002], ['deferred', 3002]]);
});

test('[postgres] two nodes claiming one domain at once never get the same recipient', async (t) => {
  const a = await openTestStore('postgres', t);
  const b = await openSecondNode(a, t);
  const recipients = Array.from({ length: 60 }, (_, i) => `r${i}@remote.test`);
  for (let i = 0; i < recipients.length; i += 20) await a.queue.accept(input({ remoteRecipients: recipients.slice(i, i + 20) }), 1000);
  const seen = new Map<number, string>();
  for (let round = 0; round < 20; round++) {
    const claims = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).queue.claimDue('remote.test', 2000, 900_000, 3)));
    for (const [i, list] of claims.entries()) {
      for (const r of list) {
        assert.ok(!seen.has(r.id), `recipient ${r.recipient} claimed by ${seen.get(r.id)} and again by claim ${i}`);
        seen.set(r.id, `claim ${i} of round ${round}`);
      }
    }
    if (seen.size === recipients.length) break;
  }
  assert.equal(seen.size, recipients.length, 'every recipient was claimed once');
  assert.equal(await b.queue.countDue(899_999), 0);
});

test('[postgres] a lease that runs out on a dead node is claimable again by another', async (t) => {
  const a = await openTestStore('postgres', t);
  const b = await openSecondNode(a, t);
  await a.queue.accept(input({ remoteRecipients: ['b@remote.test'] }), 1000);
  const [first] = await a.queue.claimDue('remote.test', 2000, 10_000, 10);
  await a.close();
  assert.deepEqual(await b.queue.claimDue('remote.test', 9_999, 20_000, 10), [], 'still leased');
  const [again] = await b.queue.claimDue('remote.test', 10_000, 20_000, 10);
  assert.equal(again!.id, first!.id);
  await b.queue.record([{ id: again!.id, status: 'delivered', reply: '250' }], 10_001);
  assert.deepEqual(await b.queue.list(), []);
});

test('[postgres] two nodes finishing the last two recipients of one message at once release it', async (t) => {
  const a = await openTestStore('postgres', t);
  const b = await openSecondNode(a, t);
  for (let round = 0; round < 5; round++) {
    await a.queue.accept(input({ remoteRecipients: ['b@remote.test', 'c@remote.test'] }), 1000);
    const [x, y] = await a.queue.claimDue('remote.test', 2000, 3000, 10);
    await Promise.all([a.queue.record([{ id: x!.id, status: 'delivered', reply: '250' }], 2001), b.queue.record([{ id: y!.id, status: 'failed', reply: '550' }], 2001)]);
    assert.deepEqual(await a.queue.list(), [], `round ${round}`);
    assert.equal(await b.contents.info(x!.contentId), null);
  }
});

test('[postgres] a message queued on one node wakes the worker of another', async (t) => {
  const a = await openTestStore('postgres', t);
  const b = await openSecondNode(a, t);
  let wokenB = 0;
  let wake!: () => void;
  const woke = new Promise<void>((resolve) => { wake = resolve; });
  const stop = b.queue.onEnqueued(() => { wokenB++; wake(); });
  t.after(stop);
  let wokenA = 0;
  const stopA = a.queue.onEnqueued(() => wokenA++);
  t.after(stopA);
  // The LISTEN of b is in place once a notification sent after it arrives; retry until one does.
  const timer = setInterval(() => { void a.queue.accept(input({}), 1000); }, 200);
  t.after(() => clearInterval(timer));
  await a.queue.accept(input({}), 1000);
  await woke;
  clearInterval(timer);
  assert.ok(wokenB >= 1);
  assert.ok(wokenA >= 1, 'the accepting node wakes its own worker');
});
