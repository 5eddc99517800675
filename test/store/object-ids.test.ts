// Store conformance: what SAVEDATE (RFC 8514) and OBJECTID (RFC 8474) need from the store, on both
// engines through the interface only — a save date per message set by delivery, COPY, MOVE and the
// RENAME of INBOX; a MAILBOXID kept by RENAME and new for a recreated mailbox (even where SQLite
// hands out the same row id again); an EMAILID kept by COPY and MOVE and never given to another
// message; SEARCH by save date and by EMAILID.
import assert from 'node:assert/strict';
import { storeTest } from './engines.ts';
import type { Store } from '../../src/store/api.ts';
import { deliver } from '../../src/delivery/deliver.ts';

const DAY = 86_400_000;
const DELETED = 8;
/** 2023-11-14T00:00:00Z: a day boundary, so day arithmetic in the tests is exact. */
const T0 = 1_699_920_000_000;
let now = T0;
const clock = { now: () => now };

async function account(store: Store): Promise<{ id: number; inbox: number }> {
  const domain = await store.domains.add('example.test', []);
  const id = (await store.accounts.add('alice@example.test', domain.id, '$scrypt$x')).id;
  return { id, inbox: (await store.imapMailboxes.byName(id, 'INBOX'))!.id };
}

function message(subject: string): Buffer {
  return Buffer.from(`From: Bob <bob@example.test>\r\nTo: alice@example.test\r\nSubject: ${subject}\r\n\r\nhello\r\n`);
}

async function put(store: Store, accountId: number, subject: string, internalDate?: number): Promise<number> {
  const [copy] = await deliver(store, { raw: message(subject), recipients: [{ accountId }], ...(internalDate !== undefined ? { internalDate } : {}) });
  return copy!.uid;
}

async function rows(store: Store, mailboxId: number) {
  return store.imapMessages.fetchPage(mailboxId, 1, Number.MAX_SAFE_INTEGER, 1000, { saveDate: true, emailId: true });
}

const OBJECT_ID = /^[A-Za-z0-9_-]{1,255}$/;

storeTest('MAILBOXID: every mailbox has one; RENAME keeps it; a recreated name gets a new one', async (store) => {
  now = T0;
  const a = await account(store);
  const boxes = await store.imapMailboxes.list(a.id);
  assert.ok(boxes.length >= 2, 'the default mailboxes');
  for (const b of boxes) assert.match(b.objectId, OBJECT_ID);
  assert.equal(new Set(boxes.map((b) => b.objectId)).size, boxes.length, 'all different');
  const created = await store.imapMailboxes.create(a.id, 'Work/2026');
  const parent = (await store.imapMailboxes.byName(a.id, 'Work'))!;
  assert.notEqual(created.objectId, parent.objectId);
  assert.equal((await store.imapMailboxes.byId(created.id))!.objectId, created.objectId, 'read back as made');
  await store.imapMailboxes.rename(a.id, 'Work', 'Job');
  assert.equal((await store.imapMailboxes.byName(a.id, 'Job'))!.objectId, parent.objectId, 'RENAME keeps it');
  assert.equal((await store.imapMailboxes.byName(a.id, 'Job/2026'))!.objectId, created.objectId, 'children keep theirs');
  await store.imapMailboxes.delete(a.id, 'Job/2026');
  const again = await store.imapMailboxes.create(a.id, 'Job/2026');
  assert.notEqual(again.objectId, created.objectId, 'a recreated mailbox gets a new MAILBOXID');
  // Renaming INBOX makes a new mailbox for the messages (RFC 3501 §6.3.5): it gets its own id.
  const inbox = (await store.imapMailboxes.byName(a.id, 'INBOX'))!;
  await store.imapMailboxes.rename(a.id, 'INBOX', 'Old');
  const old = (await store.imapMailboxes.byName(a.id, 'Old'))!;
  assert.notEqual(old.objectId, inbox.objectId);
  assert.equal((await store.imapMailboxes.byName(a.id, 'INBOX'))!.objectId, inbox.objectId, 'INBOX keeps its own');
}, { clock });

storeTest('save date: delivery sets it (not the internal date); COPY and MOVE set it to their own time', async (store) => {
  now = T0 + 10 * DAY;
  const a = await account(store);
  const kept = (await store.imapMailboxes.create(a.id, 'Kept')).id;
  const moved = (await store.imapMailboxes.create(a.id, 'Moved')).id;
  await put(store, a.id, 'appended with an old date', T0);
  now += 1000;
  await put(store, a.id, 'delivered now');
  const inbox = await rows(store, a.inbox);
  assert.deepEqual(inbox.map((r) => [r.internalDate, r.saveDate]), [[T0, T0 + 10 * DAY], [T0 + 10 * DAY + 1000, T0 + 10 * DAY + 1000]]);
  now = T0 + 12 * DAY;
  await store.imapMessages.copy(a.id, a.inbox, [[1, 1]], kept);
  now = T0 + 13 * DAY;
  await store.imapMessages.move(a.id, a.inbox, [[2, 2]], moved);
  const [copy] = await rows(store, kept);
  const [move] = await rows(store, moved);
  assert.equal(copy!.saveDate, T0 + 12 * DAY, 'the copy was saved when it was copied');
  assert.equal(copy!.internalDate, T0, 'the internal date travels with it');
  assert.equal(move!.saveDate, T0 + 13 * DAY, 'a moved message was saved when it was moved');
  assert.equal((await rows(store, a.inbox))[0]!.saveDate, T0 + 10 * DAY, 'the source keeps its save date');
  // RENAME INBOX moves the messages into a new mailbox: saved there at the rename.
  now = T0 + 14 * DAY;
  await store.imapMailboxes.rename(a.id, 'INBOX', 'Archive/Old');
  const old = (await store.imapMailboxes.byName(a.id, 'Archive/Old'))!;
  assert.deepEqual((await rows(store, old.id)).map((r) => r.saveDate), [T0 + 14 * DAY]);
}, { clock });

storeTest('EMAILID: COPY and MOVE keep it, another message never gets it, not even after deletes', async (store) => {
  now = T0;
  const a = await account(store);
  const other = (await store.imapMailboxes.create(a.id, 'Other')).id;
  await put(store, a.id, 'one');
  await put(store, a.id, 'two');
  const [one, two] = await rows(store, a.inbox);
  assert.match(one!.emailId!, OBJECT_ID);
  assert.notEqual(one!.emailId, two!.emailId);
  await store.imapMessages.copy(a.id, a.inbox, [[1, 1]], other);
  await store.imapMessages.move(a.id, a.inbox, [[2, 2]], other);
  assert.deepEqual((await rows(store, other)).map((r) => r.emailId), [one!.emailId, two!.emailId]);
  // Every row and content gone, then new mail: SQLite may reuse the row ids, never the EMAILIDs.
  const seen = new Set([one!.emailId, two!.emailId]);
  for (const box of [a.inbox, other]) {
    await store.imapMessages.storeFlags(a.id, box, [[1, Number.MAX_SAFE_INTEGER]], 'add', ['\\Deleted'], null);
    await store.imapMessages.expunge(a.id, box, null);
  }
  await put(store, a.id, 'one');
  const [fresh] = await rows(store, a.inbox);
  assert.ok(!seen.has(fresh!.emailId), 'a new message gets a new EMAILID');
  assert.equal(fresh!.flags & DELETED, 0);
  // The same message delivered to two accounts: one EMAILID in each, not shared between them.
  const bob = (await store.accounts.add('bob@example.test', (await store.domains.find('example.test'))!.id, '$scrypt$x')).id;
  const copies = await deliver(store, { raw: message('both'), recipients: [{ accountId: a.id }, { accountId: bob }] });
  const ids = await Promise.all(copies.map(async (c) => (await store.imapMessages.fetchPage(c.mailboxId, c.uid, c.uid, 1, { emailId: true }))[0]!.emailId));
  assert.notEqual(ids[0], ids[1]);
}, { clock });

storeTest('SEARCH SAVEDBEFORE/SAVEDON/SAVEDSINCE compare the save date; EMAILID finds the copies', async (store) => {
  now = T0 + 5 * DAY + 3600_000;
  const a = await account(store);
  await put(store, a.id, 'old', T0);
  now = T0 + 7 * DAY + 3600_000;
  await put(store, a.id, 'new', T0);
  const search = async (key: Parameters<Store['imapSearch']['search']>[1]) => (await store.imapSearch.search(a.inbox, key)).map((h) => h.uid);
  assert.deepEqual(await search({ op: 'savedate', cmp: 'since', day: T0 + 6 * DAY }), [2]);
  assert.deepEqual(await search({ op: 'savedate', cmp: 'before', day: T0 + 6 * DAY }), [1]);
  assert.deepEqual(await search({ op: 'savedate', cmp: 'on', day: T0 + 5 * DAY }), [1]);
  assert.deepEqual(await search({ op: 'savedate', cmp: 'on', day: T0 + 6 * DAY }), []);
  // Both have the same internal date: only the save date tells them apart.
  assert.deepEqual(await search({ op: 'internaldate', cmp: 'on', day: T0 }), [1, 2]);
  await store.imapMessages.copy(a.id, a.inbox, [[2, 2]], a.inbox);
  const [, second] = await rows(store, a.inbox);
  assert.deepEqual(await search({ op: 'emailid', id: second!.emailId! }), [2, 3]);
  assert.deepEqual(await search({ op: 'emailid', id: 'Enothere' }), []);
}, { clock });
