// Conformance: the change feed. On both engines a committed change reaches the account's listeners
// (and only theirs) after commit, stops at unsubscribe. On PostgreSQL a change committed on node A
// reaches a listener on node B through LISTEN/NOTIFY, once, with its UIDs when they fit, without
// them (uidsOmitted, for the session to read the store) when they do not; node A's own listeners
// hear it once, not again from the channel. Payload encoding is checked here too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { storeTest, openTestStore, openSecondNode } from './engines.ts';
import { deliver, deliverAll } from '../../src/delivery/deliver.ts';
import type { Store } from '../../src/store/api.ts';
import type { MailboxChange } from '../../src/store/change-bus.ts';
import { decodeChange, encodeChange, payloads } from '../../src/store/postgres/change-bus.ts';
import { CHANGE_BUS_PAYLOAD_BYTES, CHANGE_BUS_UID_BYTES } from '../../src/limits.ts';

async function setup(store: Store) {
  const d = await store.domains.add('example.test', []);
  const alice = (await store.accounts.add('alice@example.test', d.id, 'x')).id;
  const bob = (await store.accounts.add('bob@example.test', d.id, 'x')).id;
  return { alice, bob };
}

const raw = (n: number) => Buffer.from(`Subject: ${n}\r\n\r\nbody ${n}\r\n`);

/** Resolves with the first `n` changes of `kind` the store's bus hears (or rejects after a generous bound). */
function hear(store: Store, accountId: number, n: number, kind?: MailboxChange['kind']): Promise<MailboxChange[]> {
  const heard: MailboxChange[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`heard ${heard.length} of ${n} changes`)), 20_000);
    const stop = store.bus.subscribe(accountId, (c) => {
      if (kind && c.kind !== kind) return;
      heard.push(c);
      if (heard.length === n) {
        clearTimeout(timer);
        stop();
        resolve(heard);
      }
    });
  });
}

storeTest('a listener hears its account’s committed changes, after commit, until it unsubscribes', async (store) => {
  const { alice, bob } = await setup(store);
  const heard: MailboxChange[] = [];
  const bobs: MailboxChange[] = [];
  const stop = store.bus.subscribe(alice, (c) => heard.push(c));
  store.bus.subscribe(bob, (c) => bobs.push(c));
  const [copy] = await deliver(store, { raw: raw(1), recipients: [{ accountId: alice }] });
  assert.deepEqual(heard, [{ accountId: alice, mailboxId: copy!.mailboxId, kind: 'append', uids: [1], modseq: copy!.modseq }], 'heard by the time the delivery resolves');
  await store.pop3.expunge(alice, copy!.mailboxId, [1]);
  assert.deepEqual(heard.map((c) => [c.kind, c.uids]), [['append', [1]], ['expunge', [1]]]);
  assert.ok(heard[1]!.modseq > heard[0]!.modseq);
  assert.deepEqual(bobs, [], "another account's listener hears nothing");
  stop();
  await deliver(store, { raw: raw(2), recipients: [{ accountId: alice }] });
  assert.equal(heard.length, 2);
});

test('[postgres] a change committed on node A reaches a listener on node B once; A hears its own once', async (t) => {
  const a = await openTestStore('postgres', t);
  const b = await openSecondNode(a, t);
  const { alice } = await setup(a);
  const onA: MailboxChange[] = [];
  a.bus.subscribe(alice, (c) => onA.push(c));
  const onB = hear(b, alice, 3);
  const [first] = await deliver(a, { raw: raw(1), recipients: [{ accountId: alice }] });
  await deliver(a, { raw: raw(2), recipients: [{ accountId: alice }, { accountId: alice, mailbox: 'Archive' }] });
  const remote = await onB;
  assert.deepEqual(remote.map((c) => [c.kind, c.uids, c.uidsOmitted ?? false]), [['append', [1], false], ['append', [2], false], ['append', [1], false]]);
  assert.deepEqual(remote[0], onA[0], 'the same change on both nodes');
  assert.equal(remote[0]!.mailboxId, first!.mailboxId);
  // B's change comes back to A; A's own changes never come back to A.
  const back = hear(a, alice, 1);
  await deliver(b, { raw: raw(3), recipients: [{ accountId: alice }] });
  assert.deepEqual((await back)[0]!.uids, [3]);
  assert.deepEqual(onA.map((c) => c.uids), [[1], [2], [1], [3]], 'no echo of A’s own three');
});

test('[postgres] a change whose UIDs do not fit a notification reaches node B without them', async (t) => {
  const a = await openTestStore('postgres', t);
  const b = await openSecondNode(a, t);
  const { alice } = await setup(a);
  let box = 0;
  for (let n = 0; n < 1000; n += 250) {
    const copies = await deliverAll(a, Array.from({ length: 250 }, (_, i) => ({ raw: raw(n + i), recipients: [{ accountId: alice }] })));
    box = copies[0]![0]!.mailboxId;
  }
  // Every other UID: 500 ranges of one UID are longer than CHANGE_BUS_UID_BYTES.
  const odd = Array.from({ length: 500 }, (_, i) => 2 * i + 1);
  assert.ok(odd.join(',').length > CHANGE_BUS_UID_BYTES);
  const onB = hear(b, alice, 2, 'expunge');
  await a.pop3.expunge(alice, box, odd);
  await a.pop3.expunge(alice, box, [2, 4]);
  const [big, small] = await onB;
  assert.deepEqual([big!.kind, big!.uids, big!.uidsOmitted], ['expunge', [], true]);
  assert.equal(big!.modseq, (await b.mailboxes.find(alice, 'INBOX'))!.highestModseq - 1);
  assert.deepEqual([small!.kind, small!.uids, small!.uidsOmitted], ['expunge', [2, 4], undefined]);
});

test('payload lines: UIDs as ranges, left out past CHANGE_BUS_UID_BYTES; malformed lines refused; payloads bounded', () => {
  const c: MailboxChange = { accountId: 7, mailboxId: 42, kind: 'flags', uids: [1, 2, 3, 5, 9, 10], modseq: 1234 };
  assert.equal(encodeChange(c), '7 42 f 1234 1:3,5,9:10');
  assert.deepEqual(decodeChange(encodeChange(c)), c);
  const m: MailboxChange = { accountId: 1, mailboxId: 2, kind: 'mailboxes', uids: [], modseq: 0 };
  assert.deepEqual(decodeChange(encodeChange(m)), m);
  const many: MailboxChange = { ...c, uids: Array.from({ length: CHANGE_BUS_UID_BYTES }, (_, i) => 3 * i + 1) };
  assert.deepEqual(decodeChange(encodeChange(many)), { ...c, uids: [], uidsOmitted: true });
  const range: MailboxChange = { ...c, kind: 'expunge', uids: Array.from({ length: 50_000 }, (_, i) => i + 1) };
  assert.deepEqual(decodeChange(encodeChange(range)), range, 'a long run of UIDs is one range');
  for (const bad of ['', '7 42 f 1234', '7 42 x 1 1', '7 42 f 1 3:1', '7 42 f 1 5,3', '7 42 f 1 1,,2', 'a 42 f 1 1', '7 42 f -1 1', '7 42 f 1 1 2']) {
    assert.equal(decodeChange(bad), null, JSON.stringify(bad));
  }
  assert.equal(decodeChange('7 42 e 5 1:60000,60001:120000')!.uidsOmitted, true, 'ranges together are bounded too');
  assert.deepEqual(decodeChange('7 42 e 5 1:999999999999'), { accountId: 7, mailboxId: 42, kind: 'expunge', uids: [], modseq: 5, uidsOmitted: true }, 'a huge range is not expanded');
  const lines = Array.from({ length: 500 }, (_, i) => encodeChange({ ...c, modseq: i, uids: [i + 1] }));
  const out = payloads('node-1', lines);
  assert.ok(out.length > 1);
  for (const p of out) {
    assert.ok(Buffer.byteLength(p) <= CHANGE_BUS_PAYLOAD_BYTES, 'under the payload bound');
    assert.equal(p.split('\n')[0], 'node-1');
  }
  assert.deepEqual(out.flatMap((p) => p.split('\n').slice(1)), lines, 'every line once, in order');
});
