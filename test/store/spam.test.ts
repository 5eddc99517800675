// The spam area on both engines: what delivery records (verdict, training on arrival as a pending
// filing) and what the filter reads back (token counts, reputation, totals, explain, signals);
// training moves counts between classes once, a batch summed into one change per token; the Rejects mailbox is made once and expires; outbound caps and
// greylisting. On PostgreSQL, across nodes: two nodes racing countOutbound count the exact cap,
// and a first use of Rejects on two nodes makes one mailbox.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { storeTest, openTestStore, openSecondNode } from './engines.ts';
import type { Store } from '../../src/store/api.ts';
import type { SpamDeliveryRecord } from '../../src/store/spam.ts';
import { REJECTS_MAILBOX } from '../../src/store/spam-filing.ts';
import { contentIndexOf } from '../../src/delivery/deliver.ts';

const message = (id: string) => Buffer.from(`From: carol@remote.test\r\nTo: alice@example.test\r\nSubject: offer\r\nMessage-ID: <${id}>\r\n\r\nbuy now\r\n`);

async function account(store: Store, address = 'alice@example.test'): Promise<number> {
  const domain = (await store.domains.find('example.test')) ?? await store.domains.add('example.test', []);
  return (await store.accounts.add(address, domain.id, 'x')).id;
}

function record(accountId: number, over: Partial<SpamDeliveryRecord> = {}): SpamDeliveryRecord {
  return {
    accountId, learnAs: 'ham', signals: [['domain', 'remote.test'], ['ip26', '192.0.2.0/26']],
    messageId: 'm1@remote.test', score: 1.5, reasons: ['BAYES_LOW'], deliveredTo: 'inbox', ...over,
  };
}

async function deliver(store: Store, accountId: number, id: string, r: SpamDeliveryRecord, mailbox?: string, internalDate = 1000): Promise<number> {
  const raw = message(id);
  const [copy] = await store.storeMessage({ raw, prefix: Buffer.alloc(0), index: contentIndexOf(raw), targets: [{ accountId, ...(mailbox ? { mailbox } : {}) }], internalDate, flags: [], spam: [r] });
  const box = (await store.mailboxes.list(accountId)).find((b) => b.id === copy!.mailboxId)!;
  return (await store.exportPage(box.id, copy!.uid - 1, 1))[0]!.contentId;
}

storeTest('delivery records the verdict and a pending training on arrival, applied in one batch; the filter reads the counts back', async (store) => {
  const alice = await account(store);
  let filed = 0;
  const stop = store.spam.onFiled(() => filed++);
  assert.deepEqual(await store.spam.totals(alice), { ham: 0, spam: 0 });
  const empty = await store.spam.tokenCounts(alice, [11]);
  assert.deepEqual([empty.totals, [...empty.counts]], [{ ham: 0, spam: 0 }, []]);
  const c1 = await deliver(store, alice, 'm1@remote.test', record(alice));
  const c2 = await deliver(store, alice, 'm2@remote.test', record(alice, { learnAs: 'spam', messageId: 'm2@remote.test', deliveredTo: 'junk', score: 9 }));
  await deliver(store, alice, 'm3@remote.test', record(alice, { learnAs: null, messageId: 'm3@remote.test', deliveredTo: 'reject' }));
  assert.equal(filed, 2, 'the trainer hears of each delivery to train, after its commit; not of a refused copy');
  stop();
  assert.deepEqual(await store.spam.totals(alice), { ham: 0, spam: 0 }, 'the delivery transaction writes no counts');
  const arrivals = (await store.spam.pending(10)).sort((a, b) => a.contentId - b.contentId);
  assert.deepEqual(arrivals.map((p) => [p.contentId, p.wanted, p.trained, p.arrival]), [[c1, 'ham', null, true], [c2, 'spam', null, true]]);
  assert.equal(await store.spam.applyTrainings([{ pending: arrivals[0]!, to: 'ham', tokens: [11, 12, 13] }, { pending: arrivals[1]!, to: 'spam', tokens: [12, 14, 14] }]), 2);
  assert.equal(await store.spam.applyTrainings([{ pending: arrivals[0]!, to: 'ham', tokens: [11, 12, 13] }]), 0, 'applied once');
  assert.deepEqual(await store.spam.totals(alice), { ham: 1, spam: 1 });
  const counts = await store.spam.tokenCounts(alice, [11, 12, 14, 99]);
  assert.deepEqual(counts.totals, { ham: 1, spam: 1 });
  assert.deepEqual([...counts.counts].sort((a, b) => a[0] - b[0]), [[11, { ham: 1, spam: 0 }], [12, { ham: 1, spam: 1 }], [14, { ham: 0, spam: 1 }]]);
  const rep = await store.spam.reputation(alice, [['domain', 'remote.test'], ['ip26', '192.0.2.0/26'], ['domain', 'never.test']], 'carol@remote.test');
  assert.deepEqual(rep.sort((a, b) => a.kind.localeCompare(b.kind)), [{ kind: 'domain', value: 'remote.test', ham: 1, spam: 1 }, { kind: 'ip26', value: '192.0.2.0/26', ham: 1, spam: 1 }]);
  assert.equal(await store.spam.hasHamFrom(alice, 'remote.test'), true);
  assert.equal(await store.spam.hasHamFrom(alice, '192.0.2.0/26'), false, 'only domain-like signals exempt');
  const [explained] = await store.spam.explain(alice, '<m2@remote.test>');
  assert.deepEqual(explained, { contentId: c2, messageId: 'm2@remote.test', score: 9, reasons: ['BAYES_LOW'], deliveredTo: 'junk', wanted: 'spam', trained: 'spam', receivedAt: 1000 });
  assert.deepEqual(await store.spam.explain(alice, 'nobody@remote.test'), []);
  assert.deepEqual(await store.spam.signalsOf(alice, c1), [['domain', 'remote.test'], ['ip26', '192.0.2.0/26']]);
  assert.deepEqual(await store.spam.signalsOf(alice, c1 + 1000), []);
  assert.deepEqual(await store.spam.pending(10), [], 'what was trained on arrival is no longer pending');
  const text = (await store.spam.textOf(c1, 6))!;
  assert.deepEqual([text.head.toString(), /offer/.test(text.headerText), /buy now/.test(text.searchText)], ['From: ', true, true]);
  assert.equal(await store.spam.textOf(c1 + 1000, 6), null);
});

/** Delivers a message and applies its training on arrival; returns its content id. */
async function deliverTrained(store: Store, accountId: number, id: string, tokens: number[], r: SpamDeliveryRecord): Promise<number> {
  const contentId = await deliver(store, accountId, id, r);
  const p = (await store.spam.pending(100)).find((q) => q.contentId === contentId)!;
  assert.equal(await store.spam.applyTrainings([{ pending: p, to: p.wanted, tokens }]), 1);
  return contentId;
}

storeTest('training moves a message\'s counts once; a stale filing moves nothing', async (store) => {
  const alice = await account(store);
  const c1 = await deliverTrained(store, alice, 'm1@remote.test', [11, 12, 13], record(alice));
  const p = { accountId: alice, contentId: c1, wanted: 'spam' as const, trained: 'ham' as const, signals: record(alice).signals.map((s) => [...s] as [string, string]), arrival: false };
  assert.equal(await store.spam.applyTrainings([{ pending: p, to: 'spam', tokens: [11, 12, 13] }, { pending: p, to: 'spam', tokens: [11, 12, 13] }]), 1, 'twice in one batch: once');
  assert.equal(await store.spam.applyTrainings([{ pending: p, to: 'spam', tokens: [11, 12, 13] }]), 0, 'stale: nothing');
  assert.deepEqual(await store.spam.totals(alice), { ham: 0, spam: 1 });
  const counts = await store.spam.tokenCounts(alice, [11, 12, 13]);
  assert.deepEqual([...counts.counts.values()], [{ ham: 0, spam: 1 }, { ham: 0, spam: 1 }, { ham: 0, spam: 1 }]);
  assert.deepEqual((await store.spam.reputation(alice, [['domain', 'remote.test']], null)), [{ kind: 'domain', value: 'remote.test', ham: 0, spam: 1 }]);
  assert.equal(await store.spam.hasHamFrom(alice, 'remote.test'), false);
  // Untraining (to null) drops the counts; token rows at zero go.
  assert.equal(await store.spam.applyTrainings([{ pending: { ...p, trained: 'spam' }, to: null, tokens: [11, 12, 13] }]), 1);
  assert.deepEqual(await store.spam.totals(alice), { ham: 0, spam: 0 });
  assert.deepEqual([...(await store.spam.tokenCounts(alice, [11, 12, 13])).counts], [], 'token rows at zero are gone');
  assert.deepEqual((await store.spam.explain(alice, 'm1@remote.test')).map((e) => [e.wanted, e.trained]), [['ham', null]]);
  assert.deepEqual((await store.spam.pending(10)).map((q) => [q.contentId, q.wanted, q.trained, q.arrival]), [[c1, 'ham', null, true]], 'wanted differs from trained now');
  await store.spam.cancelFiling({ ...p, wanted: 'spam', trained: null });
  assert.equal((await store.spam.pending(10)).length, 1, 'a cancel for another wish changes nothing');
  await store.spam.cancelFiling({ ...p, wanted: 'ham', trained: null });
  assert.deepEqual(await store.spam.pending(10), []);
});

storeTest('a move to Junk is a pending filing the trainer hears of, applied once or cancelled', async (store) => {
  const alice = await account(store);
  const c1 = await deliverTrained(store, alice, 'm1@remote.test', [11, 12, 13], record(alice));
  let filed = 0;
  const stop = store.spam.onFiled(() => filed++);
  const inbox = (await store.mailboxes.find(alice, 'INBOX'))!.id;
  const junk = (await store.mailboxes.find(alice, 'Junk'))!.id;
  await store.imapMessages.move(alice, inbox, [[1, 1]], junk);
  assert.equal(filed, 1, 'the trainer is told after the commit');
  const [p] = await store.spam.pending(10);
  assert.deepEqual(p, { accountId: alice, contentId: c1, wanted: 'spam', trained: 'ham', signals: [['domain', 'remote.test'], ['ip26', '192.0.2.0/26']], arrival: false });
  await store.spam.applyTrainings([{ pending: p!, to: 'spam', tokens: [11, 12, 13] }]);
  assert.deepEqual(await store.spam.pending(10), []);
  assert.deepEqual(await store.spam.totals(alice), { ham: 0, spam: 1 });
  // Back to INBOX: a new wish, then dropped as the trainer does when the message is gone meanwhile.
  await store.imapMessages.move(alice, junk, [[1, 1]], inbox);
  assert.equal(filed, 2);
  const [back] = await store.spam.pending(10);
  assert.deepEqual([back!.wanted, back!.trained], ['ham', 'spam']);
  await store.spam.cancelFiling(back!);
  assert.deepEqual(await store.spam.pending(10), []);
  assert.deepEqual(await store.spam.totals(alice), { ham: 0, spam: 1 }, 'a cancelled filing moves no counts');
  stop();
});

storeTest('the Rejects mailbox is made once, unsubscribed, and its old messages expire', async (store) => {
  const alice = await account(store);
  const id = await store.spam.rejectsMailbox(alice);
  assert.equal(await store.spam.rejectsMailbox(alice), id);
  const box = (await store.mailboxes.find(alice, REJECTS_MAILBOX))!;
  assert.equal(box.id, id);
  assert.equal(box.subscribed, false);
  for (const [i, at] of [500, 600, 700, 5000].entries()) await deliver(store, alice, `r${i}@remote.test`, record(alice, { learnAs: null, deliveredTo: 'reject' }), REJECTS_MAILBOX, at);
  const inboxContent = await deliver(store, alice, 'keep@remote.test', record(alice), undefined, 100);
  assert.equal(await store.spam.expireRejects(1000, 2), 2);
  assert.equal(await store.spam.expireRejects(1000, 10), 1);
  assert.equal(await store.spam.expireRejects(1000, 10), 0);
  assert.deepEqual((await store.exportPage(id, 0, 10)).map((r) => r.internalDate), [5000]);
  assert.equal((await store.mailboxes.find(alice, 'INBOX'))!.messages, 1, 'only Rejects expires');
  assert.ok(await store.contents.info(inboxContent));
});

storeTest('outbound caps count messages and new recipients per day', async (store) => {
  const alice = await account(store);
  const caps = { messagesPerDay: 3, newRecipientsPerDay: 3 };
  assert.deepEqual(await store.spam.countOutbound(alice, ['x@remote.test', 'Y@remote.test', 'y@remote.test'], caps), { ok: true });
  assert.deepEqual(await store.spam.countOutbound(alice, ['x@remote.test', 'z@remote.test', 'w@remote.test'], caps), { ok: false, cap: 'new-recipients', limit: 3 });
  assert.deepEqual(await store.spam.countOutbound(alice, ['x@remote.test', 'z@remote.test'], caps), { ok: true });
  assert.deepEqual(await store.spam.countOutbound(alice, ['x@remote.test'], caps), { ok: true });
  assert.deepEqual(await store.spam.countOutbound(alice, ['x@remote.test'], caps), { ok: false, cap: 'messages', limit: 3 });
  assert.deepEqual(await store.spam.countOutbound(alice, ['new@remote.test'], { messagesPerDay: 0, newRecipientsPerDay: 0 }), { ok: true }, '0 is no cap');
  // Recipients written to count as 'replied' for the reputation of mail from them.
  assert.deepEqual(await store.spam.reputation(alice, [], 'y@remote.test'), [{ kind: 'replied', value: 'y@remote.test', ham: 1, spam: 0 }]);
  assert.deepEqual(await store.spam.reputation(alice, [], 'w@remote.test'), [], 'a refused message records no recipient');
});

let now = 1_700_000_000_000;
storeTest('greylisting passes a triplet seen long enough ago and forgets it after keepMs', async (store) => {
  const alice = await account(store);
  now = 1_700_000_000_000;
  assert.equal(await store.spam.greylistPasses(alice, 't1', 60_000, 3_600_000), false, 'new');
  now += 59_999;
  assert.equal(await store.spam.greylistPasses(alice, 't1', 60_000, 3_600_000), false, 'too soon');
  assert.equal(await store.spam.greylistPasses(alice, 't2', 0, 3_600_000), false, 'another triplet is new');
  now += 1;
  assert.equal(await store.spam.greylistPasses(alice, 't1', 60_000, 3_600_000), true);
  now += 3_600_001;
  assert.equal(await store.spam.greylistPasses(alice, 't1', 60_000, 3_600_000), false, 'forgotten, so new again');
}, { clock: { now: () => now } });

test('[postgres] two nodes racing countOutbound count exactly the cap', async (t) => {
  const a = await openTestStore('postgres', t);
  const b = await openSecondNode(a, t);
  const alice = await account(a);
  const decisions = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).spam.countOutbound(alice, [`r${i}@remote.test`], { messagesPerDay: 5, newRecipientsPerDay: 0 })));
  assert.equal(decisions.filter((d) => d.ok).length, 5);
  const fresh = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).spam.countOutbound(alice, [`n${i}@remote.test`, `m${i}@remote.test`], { messagesPerDay: 0, newRecipientsPerDay: 11 })));
  assert.equal(fresh.filter((d) => d.ok).length, 3, 'two new recipients each, eleven allowed, five counted already today');
});

test('[postgres] a first use of Rejects on two nodes at once makes one mailbox', async (t) => {
  const a = await openTestStore('postgres', t);
  const b = await openSecondNode(a, t);
  const alice = await account(a);
  const ids = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).spam.rejectsMailbox(alice)));
  assert.equal(new Set(ids).size, 1);
  assert.equal((await a.mailboxes.list(alice)).filter((m) => m.name === REJECTS_MAILBOX).length, 1);
});
