import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeHarness, message, type Harness } from '../../fixtures/imap-harness.ts';
import { deliver } from '../../../src/delivery/deliver.ts';
import { IMAP_STORE_PAGE_SIZE } from '../../../src/limits.ts';

const COUNT = IMAP_STORE_PAGE_SIZE + 150;
let h: Harness;
let inbox: number;
before(async () => {
  h = await makeHarness();
  const raw = message('bulk');
  for (let i = 0; i < COUNT; i += 500) {
    await Promise.all(Array.from({ length: Math.min(500, COUNT - i) }, () => deliver(h.store, { raw, recipients: [{ accountId: h.accountId }] })));
  }
  inbox = (await h.services.mailboxes.byName(h.accountId, 'INBOX'))!.id;
});
after(() => h.close());

test('STORE over more than one page changes exactly the requested UIDs, in order', async () => {
  const ranges: [number, number][] = [[1, 1], [3, 3], [5, COUNT]];
  const r = await h.services.messages.storeFlags(h.accountId, inbox, ranges, 'add', ['\\Flagged'], null);
  assert.equal(r.rows.length, COUNT - 2);
  assert.ok(r.rows.every((x, i) => i === 0 || x.uid > r.rows[i - 1]!.uid));
  assert.ok(r.modseqs.length >= 2, 'more than one page, each its own MODSEQ');
  const flagged = await h.services.search.search(inbox, { op: 'flag', flag: '\\Flagged', present: true });
  assert.equal(flagged.length, COUNT - 2);
  assert.ok(!flagged.some((x) => x.uid === 2 || x.uid === 4));
  const again = await h.services.messages.storeFlags(h.accountId, inbox, ranges, 'add', ['\\Flagged'], null);
  assert.ok(again.rows.every((x) => !x.changed), 'nothing changes the second time');
  assert.deepEqual(again.modseqs, []);
  const removed = await h.services.messages.storeFlags(h.accountId, inbox, [[1, COUNT]], 'remove', ['\\Flagged'], null);
  assert.equal(removed.rows.filter((x) => x.changed).length, COUNT - 2);
});

test('keywords and UNCHANGEDSINCE go row by row', async () => {
  const r = await h.services.messages.storeFlags(h.accountId, inbox, [[1, 3]], 'add', ['Old', '$Junk'], null);
  assert.deepEqual(r.rows.map((x) => x.keywords), ['Old $Junk', 'Old $Junk', 'Old $Junk']);
  const m = await h.services.messages.storeFlags(h.accountId, inbox, [[1, 3]], 'remove', ['old'], r.modseqs[0]! - 1);
  assert.deepEqual(m.modified, [1, 2, 3]);
  const ok = await h.services.messages.storeFlags(h.accountId, inbox, [[1, 3]], 'remove', ['old'], r.modseqs[0]!);
  assert.deepEqual(ok.rows.map((x) => x.keywords), ['$Junk', '$Junk', '$Junk']);
});

test('expunge leaves tombstones for VANISHED and releases quota usage', async () => {
  const before = await h.services.mailboxes.quota(h.accountId);
  await h.services.messages.storeFlags(h.accountId, inbox, [[10, 12]], 'add', ['\\Deleted'], null);
  const hms = (await h.services.mailboxes.byId(inbox))!.highestModseq;
  const ex = await h.services.messages.expunge(h.accountId, inbox, null);
  assert.deepEqual(ex.uids, [10, 11, 12]);
  assert.deepEqual(await h.services.messages.vanishedSince(inbox, hms, null), [10, 11, 12]);
  const after = await h.services.mailboxes.quota(h.accountId);
  assert.ok(after.used < before.used);
});
