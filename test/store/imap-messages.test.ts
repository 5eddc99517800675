// Store conformance: the IMAP message operations on both engines, through the interface only —
// UID and MODSEQ growth on STORE/COPY/MOVE/EXPUNGE, VANISHED tombstones, CHANGEDSINCE and
// UNCHANGEDSINCE, STORE in pages, FETCH pages with the bytes of small messages, content shared by
// COPY and released on EXPUNGE, and the quota.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSecondNode, openTestStore, storeTest } from './engines.ts';
import type { Store } from '../../src/store/api.ts';
import { deliver, deliverAll } from '../../src/delivery/deliver.ts';
import { OverQuotaError } from '../../src/store/delivery.ts';
import { BLOB_CHUNK_SIZE, IMAP_FETCH_CONTENT_PAGE_BYTES, IMAP_STORE_PAGE_SIZE } from '../../src/limits.ts';

const SEEN = 1;
const FLAGGED = 4;
const DELETED = 8;
const ALL = [[1, Number.MAX_SAFE_INTEGER]] as const;

async function account(store: Store): Promise<{ id: number; inbox: number }> {
  const domain = await store.domains.add('example.test', []);
  const id = (await store.accounts.add('alice@example.test', domain.id, '$scrypt$x')).id;
  return { id, inbox: (await store.imapMailboxes.byName(id, 'INBOX'))!.id };
}

function message(subject: string, body = 'hello\r\n'): Buffer {
  return Buffer.from(`From: Bob <bob@example.test>\r\nTo: alice@example.test\r\nSubject: ${subject}\r\n\r\n${body}`);
}

async function put(store: Store, accountId: number, subject: string, flags: string[] = [], mailbox = 'INBOX', body?: string): Promise<{ uid: number; contentId: number }> {
  const [copy] = await deliver(store, { raw: message(subject, body), recipients: [{ accountId, mailbox }], flags });
  const [row] = await store.imapMessages.fetchPage(copy!.mailboxId, copy!.uid, copy!.uid, 1, {});
  return { uid: copy!.uid, contentId: row!.contentId };
}

async function highest(store: Store, mailboxId: number): Promise<number> {
  return (await store.imapMailboxes.byId(mailboxId))!.highestModseq;
}

storeTest('STORE adds, removes and replaces flags under one new MODSEQ; a no-op allocates none', async (store) => {
  const a = await account(store);
  await put(store, a.id, 'one');
  await put(store, a.id, 'two', ['\\Seen', 'Work']);
  const before = await highest(store, a.inbox);
  const added = await store.imapMessages.storeFlags(a.id, a.inbox, [[1, 2]], 'add', ['\\Flagged', '$Label1'], null);
  assert.equal(added.modseqs.length, 1);
  const m1 = added.modseqs[0]!;
  assert.ok(m1 > before);
  assert.equal(await highest(store, a.inbox), m1);
  assert.deepEqual(added.rows.map((r) => [r.uid, r.flags, r.keywords, r.modseq, r.changed]),
    [[1, FLAGGED, '$Label1', m1, true], [2, SEEN | FLAGGED, 'Work $Label1', m1, true]]);
  // Keywords compare case-insensitively: adding one already there changes nothing.
  const same = await store.imapMessages.storeFlags(a.id, a.inbox, [[1, 2]], 'add', ['\\flagged', '$label1'], null);
  assert.deepEqual(same.modseqs, []);
  assert.ok(same.rows.every((r) => !r.changed));
  assert.equal(await highest(store, a.inbox), m1);
  const removed = await store.imapMessages.storeFlags(a.id, a.inbox, [[2, 2]], 'remove', ['\\Seen', 'work'], null);
  assert.deepEqual(removed.rows.map((r) => [r.uid, r.flags, r.keywords]), [[2, FLAGGED, '$Label1']]);
  const m2 = removed.modseqs[0]!;
  assert.ok(m2 > m1);
  const replaced = await store.imapMessages.storeFlags(a.id, a.inbox, [[1, 1]], 'replace', ['\\Deleted', 'Done'], null);
  assert.deepEqual(replaced.rows.map((r) => [r.uid, r.flags, r.keywords]), [[1, DELETED, 'Done']]);
  // CHANGEDSINCE: only what changed after m1, with the current flags.
  assert.deepEqual((await store.imapMessages.changedSince(a.inbox, m1)).map((r) => [r.uid, r.modseq]), [[1, replaced.modseqs[0]], [2, m2]]);
  assert.deepEqual((await store.imapMessages.flagsIn(a.inbox, [[2, 2]])).map((r) => [r.flags, r.keywords, r.modseq]), [[FLAGGED, '$Label1', m2]]);
  const keywords = (await store.imapMessages.keywordsIn(a.inbox)).map((k) => k.toLowerCase()).sort();
  assert.deepEqual(keywords, ['$label1', 'done']);
  assert.equal(await store.imapMessages.firstUnseenUid(a.inbox), 1);
});

storeTest('SELECT lists every keyword in use once, from every distinct keyword list, and only its own mailbox\'s', async (store) => {
  const a = await account(store);
  await store.imapMailboxes.create(a.id, 'Other');
  const selected = async () => (await store.imapMailboxes.selectSnapshot(a.id, 'INBOX', false))!.keywords.map((k) => k.toLowerCase()).sort();
  assert.deepEqual(await selected(), [], 'no message, no keyword');
  await put(store, a.id, 'plain');
  await put(store, a.id, 'plain too', ['\\Seen']);
  assert.deepEqual(await selected(), [], 'messages without keywords');
  for (const flags of [['$Label1'], ['Work', '$Label1'], ['Work'], ['$Label1'], ['zeta', 'Alpha'], ['\\Flagged', 'Work']]) await put(store, a.id, flags.join(' '), flags);
  await put(store, a.id, 'elsewhere', ['OnlyInOther'], 'Other');
  const want = ['$label1', 'alpha', 'work', 'zeta'];
  assert.deepEqual(await selected(), want);
  assert.deepEqual((await store.imapMessages.keywordsIn(a.inbox)).map((k) => k.toLowerCase()).sort(), want);
});

storeTest('UNCHANGEDSINCE leaves messages changed later and reports them as modified', async (store) => {
  const a = await account(store);
  await put(store, a.id, 'one');
  await put(store, a.id, 'two');
  const first = await store.imapMessages.storeFlags(a.id, a.inbox, [[2, 2]], 'add', ['\\Flagged'], null);
  const r = await store.imapMessages.storeFlags(a.id, a.inbox, [[1, 2]], 'add', ['\\Seen'], first.modseqs[0]! - 1);
  assert.deepEqual(r.modified, [2]);
  assert.deepEqual(r.rows.map((x) => x.uid), [1]);
  const flags = await store.imapMessages.flagsIn(a.inbox, [[1, 2]]);
  assert.equal(flags[0]!.flags, SEEN);
  assert.equal(flags[1]!.flags, FLAGGED);
});

storeTest('STORE on more than a page: each page its own MODSEQ, every message answered once', async (store) => {
  const a = await account(store);
  const n = IMAP_STORE_PAGE_SIZE + 3;
  await deliverAll(store, Array.from({ length: n }, (_, i) => ({ raw: message(`m${i}`), recipients: [{ accountId: a.id }] })));
  // Two ranges with a gap, the page boundary inside the second one.
  const r = await store.imapMessages.storeFlags(a.id, a.inbox, [[1, 2], [4, n]], 'add', ['\\Seen'], null);
  assert.equal(r.rows.length, n - 1);
  assert.deepEqual(r.rows.map((x) => x.uid), [1, 2, ...Array.from({ length: n - 3 }, (_, i) => i + 4)]);
  assert.equal(r.modseqs.length, 2);
  assert.ok(r.modseqs[1]! > r.modseqs[0]!);
  assert.equal(new Set(r.rows.map((x) => x.modseq)).size, 2);
  assert.equal((await store.imapMailboxes.counters(a.inbox)).unseen, 1);
  assert.equal(await store.imapMessages.firstUnseenUid(a.inbox), 3);
});

storeTest('markSeen sets \\Seen only where missing, under one MODSEQ', async (store) => {
  const a = await account(store);
  await put(store, a.id, 'one');
  await put(store, a.id, 'two', ['\\Seen']);
  await put(store, a.id, 'three');
  const rows = await store.imapMessages.markSeen(a.id, a.inbox, [3, 2, 1]);
  assert.deepEqual(rows.map((r) => [r.uid, r.flags & SEEN]), [[1, SEEN], [3, SEEN]]);
  assert.equal(rows[0]!.modseq, rows[1]!.modseq);
  assert.equal(await highest(store, a.inbox), rows[0]!.modseq);
  assert.deepEqual(await store.imapMessages.markSeen(a.id, a.inbox, [1, 2, 3]), []);
  assert.equal(await store.imapMessages.firstUnseenUid(a.inbox), null);
});

storeTest('EXPUNGE removes \\Deleted messages with tombstones, frees the quota, UID EXPUNGE stays in its set', async (store) => {
  const a = await account(store);
  for (const s of ['one', 'two', 'three', 'four']) await put(store, a.id, s, s === 'one' ? [] : ['\\Deleted']);
  const used = (await store.imapMailboxes.quota(a.id)).used;
  const before = await highest(store, a.inbox);
  const partial = await store.imapMessages.expunge(a.id, a.inbox, [[1, 2]]);
  assert.deepEqual(partial.uids, [2]);
  assert.ok(partial.modseq > before);
  const rest = await store.imapMessages.expunge(a.id, a.inbox, null);
  assert.deepEqual(rest.uids, [3, 4]);
  assert.ok(rest.modseq > partial.modseq);
  assert.equal(await highest(store, a.inbox), rest.modseq);
  assert.deepEqual(await store.imapMessages.uids(a.inbox), [1]);
  assert.deepEqual(await store.imapMessages.expunge(a.id, a.inbox, null), { uids: [], modseq: 0 });
  assert.ok((await store.imapMailboxes.quota(a.id)).used < used);
  // VANISHED (RFC 7162 §3.2.5.1): all since `before`, those after the first expunge, within a UID set.
  assert.deepEqual(await store.imapMessages.vanishedSince(a.inbox, before, null), [2, 3, 4]);
  assert.deepEqual(await store.imapMessages.vanishedSince(a.inbox, partial.modseq, null), [3, 4]);
  assert.deepEqual(await store.imapMessages.vanishedSince(a.inbox, before, [[1, 2], [4, 9]]), [2, 4]);
  // UIDs are never reused: the next message gets 5.
  assert.equal((await put(store, a.id, 'five')).uid, 5);
});

storeTest('COPY shares the content, allocates UIDs and MODSEQ in the target, counts the quota; EXPUNGE releases content with its last copy', async (store) => {
  const a = await account(store);
  const kept = (await store.imapMailboxes.create(a.id, 'Kept')).id;
  const one = await put(store, a.id, 'one', ['\\Seen', 'Keep']);
  await put(store, a.id, 'two');
  const used = (await store.imapMailboxes.quota(a.id)).used;
  const r = await store.imapMessages.copy(a.id, a.inbox, [[1, 2]], kept);
  assert.deepEqual(r.sourceUids, [1, 2]);
  assert.deepEqual(r.destinationUids, [1, 2]);
  assert.equal(r.uidValidity, (await store.imapMailboxes.byId(kept))!.uidValidity);
  assert.equal((await store.imapMailboxes.quota(a.id)).used, 2 * used);
  const copied = await store.imapMessages.fetchPage(kept, 1, 10, 10, {});
  assert.equal(copied[0]!.contentId, one.contentId);
  assert.equal(copied[0]!.flags, SEEN);
  assert.equal(copied[0]!.keywords, 'Keep');
  assert.equal(copied[0]!.modseq, await highest(store, kept));
  const again = await store.imapMessages.copy(a.id, a.inbox, [[2, 2]], kept);
  assert.deepEqual(again.destinationUids, [3]);
  assert.deepEqual((await store.imapMessages.copy(a.id, a.inbox, [[7, 9]], kept)).destinationUids, []);
  // Content stays while one copy holds it, and goes with the last.
  await store.imapMessages.storeFlags(a.id, a.inbox, ALL, 'add', ['\\Deleted'], null);
  await store.imapMessages.expunge(a.id, a.inbox, null);
  assert.ok(await store.contents.info(one.contentId));
  assert.deepEqual(await store.contents.full(one.contentId), message('one'));
  await store.imapMessages.storeFlags(a.id, kept, ALL, 'add', ['\\Deleted'], null);
  await store.imapMessages.expunge(a.id, kept, null);
  assert.equal(await store.contents.info(one.contentId), null);
  assert.equal((await store.imapMailboxes.quota(a.id)).used, 0);
});

storeTest('COPY over the quota is refused and changes nothing', async (store) => {
  const a = await account(store);
  const kept = (await store.imapMailboxes.create(a.id, 'Kept')).id;
  await put(store, a.id, 'one');
  const used = (await store.imapMailboxes.quota(a.id)).used;
  await store.accounts.setQuota(a.id, used + 10);
  const uidNext = (await store.imapMailboxes.byId(kept))!.uidNext;
  await assert.rejects(store.imapMessages.copy(a.id, a.inbox, ALL, kept), OverQuotaError);
  assert.deepEqual(await store.imapMessages.uids(kept), []);
  assert.equal((await store.imapMailboxes.byId(kept))!.uidNext, uidNext);
  assert.equal((await store.imapMailboxes.quota(a.id)).used, used);
});

storeTest('MOVE changes mailbox and UID in place under one MODSEQ, tombstones in the source', async (store) => {
  const a = await account(store);
  const kept = (await store.imapMailboxes.create(a.id, 'Kept')).id;
  const one = await put(store, a.id, 'one', ['\\Flagged']);
  await put(store, a.id, 'two');
  await put(store, a.id, 'three');
  await store.imapMessages.copy(a.id, a.inbox, [[3, 3]], kept);
  const used = (await store.imapMailboxes.quota(a.id)).used;
  const before = await highest(store, a.inbox);
  const r = await store.imapMessages.move(a.id, a.inbox, [[1, 2]], kept);
  assert.deepEqual(r.sourceUids, [1, 2]);
  assert.deepEqual(r.destinationUids, [2, 3]);
  assert.ok(r.modseq > before);
  assert.equal(await highest(store, a.inbox), r.modseq);
  assert.equal(await highest(store, kept), r.modseq);
  assert.deepEqual(await store.imapMessages.uids(a.inbox), [3]);
  assert.deepEqual(await store.imapMessages.vanishedSince(a.inbox, before, null), [1, 2]);
  const moved = await store.imapMessages.fetchPage(kept, 2, 2, 1, {});
  assert.equal(moved[0]!.contentId, one.contentId);
  assert.equal(moved[0]!.flags, FLAGGED);
  assert.equal(moved[0]!.modseq, r.modseq);
  assert.equal((await store.imapMailboxes.quota(a.id)).used, used);
  assert.deepEqual((await store.imapMessages.move(a.id, a.inbox, [[1, 2]], kept)).destinationUids, []);
});

storeTest('FETCH pages: the wanted columns, the bytes of small messages, ranged reads of large ones, CHANGEDSINCE', async (store) => {
  const a = await account(store);
  const small = await put(store, a.id, 'small');
  const big = await put(store, a.id, 'big', [], 'INBOX', 'x'.repeat(BLOB_CHUNK_SIZE + 100) + '\r\n');
  const bare = await store.imapMessages.fetchPage(a.inbox, 1, 10, 10, {});
  assert.deepEqual(bare.map((r) => r.uid), [1, 2]);
  assert.equal(bare[0]!.envelope, undefined);
  assert.equal(bare[0]!.bytes, undefined);
  assert.equal(bare[0]!.size, message('small').length);
  const rows = await store.imapMessages.fetchPage(a.inbox, 1, 10, 10, { envelope: true, bodyStructure: true, body: true, mimeTree: true, content: true });
  assert.match(rows[0]!.envelope!, /"small"/);
  assert.match(rows[0]!.bodyStructure!, /TEXT/i);
  assert.ok(rows[0]!.body!.length > 0 && rows[0]!.mimeTree!.length > 0);
  assert.deepEqual(rows[0]!.bytes, message('small'));
  assert.equal(rows[1]!.bytes, null);
  const bigBytes = message('big', 'x'.repeat(BLOB_CHUNK_SIZE + 100) + '\r\n');
  assert.deepEqual(await store.imapMessages.readRange(big.contentId, BLOB_CHUNK_SIZE - 5, BLOB_CHUNK_SIZE + 5), bigBytes.subarray(BLOB_CHUNK_SIZE - 5, BLOB_CHUNK_SIZE + 5));
  assert.deepEqual(await store.imapMessages.readRange(small.contentId, 0, 4), Buffer.from('From'));
  assert.deepEqual((await store.imapMessages.fetchPage(a.inbox, 1, 10, 1, {})).map((r) => r.uid), [1]);
  assert.deepEqual((await store.imapMessages.fetchPage(a.inbox, 2, 10, 10, {})).map((r) => r.uid), [2]);
  const s = await store.imapMessages.storeFlags(a.id, a.inbox, [[2, 2]], 'add', ['\\Seen'], null);
  assert.deepEqual((await store.imapMessages.fetchPage(a.inbox, 1, 10, 10, {}, s.modseqs[0]! - 1)).map((r) => r.uid), [2]);
  assert.deepEqual(await store.imapMessages.uidsAfter(a.inbox, 1), [2]);
  assert.equal((await store.imapMailboxes.status(a.inbox, false))!.recent, 2);
});

storeTest('flag pages: the flag columns of fetchPage\'s rows, the same bounds, limit and CHANGEDSINCE', async (store) => {
  const a = await account(store);
  for (const s of ['one', 'two', 'three']) await put(store, a.id, s);
  const stored = await store.imapMessages.storeFlags(a.id, a.inbox, [[2, 3]], 'add', ['\\Flagged', 'work'], null);
  const flagsOf = (rows: { uid: number; flags: number; keywords: string; modseq: number }[]) => rows.map((r) => ({ uid: r.uid, flags: r.flags, keywords: r.keywords, modseq: r.modseq }));
  const full = flagsOf(await store.imapMessages.fetchPage(a.inbox, 1, 10, 10, {}));
  assert.deepEqual(flagsOf(await store.imapMessages.flagPage(a.inbox, 1, 10, 10)), full);
  assert.deepEqual(full.map((r) => [r.uid, r.flags, r.keywords]), [[1, 0, ''], [2, FLAGGED, 'work'], [3, FLAGGED, 'work']]);
  assert.deepEqual(Object.keys((await store.imapMessages.flagPage(a.inbox, 1, 1, 1))[0]!).sort(), ['flags', 'keywords', 'modseq', 'uid']);
  assert.deepEqual((await store.imapMessages.flagPage(a.inbox, 2, 10, 1)).map((r) => r.uid), [2]);
  assert.deepEqual((await store.imapMessages.flagPage(a.inbox, 1, 10, 10, stored.modseqs[0]! - 1)).map((r) => r.uid), [2, 3]);
  assert.deepEqual(await store.imapMessages.flagPage(a.inbox, 1, 10, 10, stored.modseqs[0]!), []);
});

storeTest('a FETCH page with message bytes is bounded by its bytes, not only its rows; one without them is not', async (store) => {
  const a = await account(store);
  // Messages just under one chunk, each carried inline: a page of all of them would hold ~2 MiB.
  const body = 'y'.repeat(BLOB_CHUNK_SIZE - 200) + '\r\n';
  const count = Math.ceil((2 * IMAP_FETCH_CONTENT_PAGE_BYTES) / BLOB_CHUNK_SIZE);
  for (let i = 0; i < count; i++) await put(store, a.id, `m${i}`, [], 'INBOX', body);
  const page = await store.imapMessages.fetchPage(a.inbox, 1, count, count, { content: true });
  assert.ok(page.length > 0 && page.length < count, `${page.length} of ${count} rows`);
  assert.deepEqual(page.map((r) => r.uid), Array.from({ length: page.length }, (_, i) => i + 1), 'the first rows, ascending');
  const held = page.reduce((n, r) => n + r.bytes!.length, 0);
  assert.ok(held <= IMAP_FETCH_CONTENT_PAGE_BYTES + BLOB_CHUNK_SIZE, `${held} bytes held`);
  assert.deepEqual(page[0]!.bytes, message('m0', body));
  // The caller continues after the last row and gets the rest.
  const rest = await store.imapMessages.fetchPage(a.inbox, page.length + 1, count, count, { content: true });
  assert.equal(rest[0]!.uid, page.length + 1);
  assert.equal((await store.imapMessages.fetchPage(a.inbox, 1, count, count, {})).length, count);
});

storeTest('filing trains the spam filter: MOVE/COPY into Junk, out of Junk, and $Junk/$NotJunk, recorded with the change', async (store) => {
  const a = await account(store);
  const junk = (await store.imapMailboxes.byName(a.id, 'Junk'))!.id;
  const kept = (await store.imapMailboxes.create(a.id, 'Kept')).id;
  let kicks = 0;
  const stop = store.spam.onFiled(() => kicks++);
  const one = await put(store, a.id, 'one');
  const two = await put(store, a.id, 'two');
  const three = await put(store, a.id, 'three');
  const wanted = async () => new Map((await store.spam.pending(100)).filter((p) => p.accountId === a.id).map((p) => [p.contentId, p.wanted]));
  await store.imapMessages.move(a.id, a.inbox, [[1, 1]], junk);
  assert.equal((await wanted()).get(one.contentId), 'spam');
  assert.equal(kicks, 1);
  await store.imapMessages.copy(a.id, junk, [[1, 1]], kept);
  assert.equal((await wanted()).get(one.contentId), 'ham');
  // Between two ordinary mailboxes nothing is learnt.
  await store.imapMessages.copy(a.id, a.inbox, [[2, 2]], kept);
  assert.equal((await wanted()).get(two.contentId), undefined);
  await store.imapMessages.storeFlags(a.id, a.inbox, [[2, 3]], 'add', ['$Junk'], null);
  assert.equal((await wanted()).get(two.contentId), 'spam');
  assert.equal((await wanted()).get(three.contentId), 'spam');
  await store.imapMessages.storeFlags(a.id, a.inbox, [[3, 3]], 'add', ['$NotJunk'], null);
  assert.equal((await wanted()).get(three.contentId), 'ham');
  assert.equal(kicks, 4);
  stop();
});

test('[postgres] two nodes COPY, MOVE, STORE and deliver into one mailbox at once: unique UIDs and MODSEQs, no deadlock', async (t) => {
  const first = await openTestStore('postgres', t);
  const second = await openSecondNode(first, t);
  const a = await account(first);
  const kept = (await first.imapMailboxes.create(a.id, 'Kept')).id;
  const other = (await first.imapMailboxes.create(a.id, 'Other')).id;
  for (let i = 0; i < 10; i++) await put(first, a.id, `m${i}`);
  const ops: Promise<{ destinationUids?: number[]; modseqs?: number[]; modseq?: number }>[] = [];
  for (const [i, node] of [first, second, first, second, first, second].entries()) {
    ops.push(node.imapMessages.copy(a.id, a.inbox, [[1, 10]], kept));
    ops.push(node.imapMessages.storeFlags(a.id, a.inbox, [[1, 10]], i % 2 ? 'add' : 'remove', ['\\Flagged', `k${i}`], null));
    ops.push(deliver(node, { raw: message(`d${i}`), recipients: [{ accountId: a.id, mailbox: 'Kept' }] }).then((c) => ({ destinationUids: c.map((x) => x.uid) })));
    ops.push(node.imapMessages.copy(a.id, a.inbox, [[1, 10]], other).then((r) => node.imapMessages.move(a.id, other, [[1, Number.MAX_SAFE_INTEGER]], kept)));
  }
  const results = await Promise.all(ops);
  const uids = await first.imapMessages.uids(kept);
  const reported = results.flatMap((r) => r.destinationUids ?? []).sort((x, y) => x - y);
  assert.equal(new Set(reported).size, reported.length, 'no UID handed out twice');
  assert.deepEqual(uids, reported);
  assert.equal(uids.length, 6 * 10 + 6 + 6 * 10);
  const modseqs = results.flatMap((r) => r.modseqs ?? (r.modseq ? [r.modseq] : []));
  assert.equal(new Set(modseqs).size, modseqs.length, 'no MODSEQ handed out twice');
  const box = (await second.imapMailboxes.byId(kept))!;
  assert.equal(box.uidNext, uids[uids.length - 1]! + 1);
});

test('[postgres] two nodes SELECT one mailbox at once: each \\Recent message goes to one session', async (t) => {
  const first = await openTestStore('postgres', t);
  const second = await openSecondNode(first, t);
  const a = await account(first);
  for (let i = 0; i < 5; i++) await put(first, a.id, `m${i}`);
  const views = await Promise.all([first, second, first, second].map((s) => s.imapMailboxes.selectSnapshot(a.id, 'INBOX', true)));
  const recent = views.flatMap((v) => v!.uids.filter((u) => u > v!.recentFloor));
  assert.deepEqual(recent.sort((x, y) => x - y), [1, 2, 3, 4, 5]);
});
