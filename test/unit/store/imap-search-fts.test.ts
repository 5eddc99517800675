// SEARCH over the full-text index: the FTS5 trigram index only narrows, so answers keep IMAP's
// substring semantics (case-insensitive, inside words, across the header for TEXT), needles too
// short for trigrams still work (a windowed scan), expunged mail leaves no hit behind, and a message
// is found from its commit on, before and after the batched indexer has reached it (migrations/0102).
// Checked against a real store in a temp directory, through the store's own interface (and its
// database only to see what waits for the indexer and to ask FTS5 whether its index is sound).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore, type SqliteStore as Store } from '../../../src/store/sqlite/store.ts';
import { systemClock } from '../../../src/clock.ts';
import { deliver } from '../../../src/delivery/deliver.ts';
import { ImapSearchStore, trigramQuery } from '../../../src/store/sqlite/search.ts';
import { ImapMessageStore } from '../../../src/store/sqlite/messages.ts';
import { IMAP_SEARCH_FTS_MAX_TRIGRAMS, IMAP_SEARCH_MAX_MS } from '../../../src/limits.ts';

let dir: string;
let store: Store;
let search: ImapSearchStore;
let inbox: number;
let accountId: number;

const mail = (subject: string, body: string) =>
  Buffer.from(`From: a@example.org\r\nSubject: ${subject}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}\r\n`);

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-fts-'));
  store = openStore(dir, { clock: systemClock, migrate: true });
  const domain = await store.domains.add('example.test', []);
  accountId = (await store.accounts.add('u@example.test', domain.id, 'x')).id;
  const bodies = ['A Wonderful day', 'nothing here', 'bewondered and Überrascht', 'wonder', 'short zq text', '"quoted" and more'];
  for (const [i, b] of bodies.entries()) await deliver(store, { raw: mail(`subject ${i} zanzibar${i}`, b), recipients: [{ accountId }] });
  inbox = (await store.mailboxes.find(accountId, 'INBOX'))!.id;
  search = new ImapSearchStore(store, IMAP_SEARCH_MAX_MS);
});
after(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const uids = async (key: Parameters<ImapSearchStore['search']>[1]) => (await search.search(inbox, key)).map((h) => h.uid);

test('BODY finds substrings inside words, case-insensitively, and nothing else', async () => {
  assert.deepEqual(await uids({ op: 'body', value: 'WONDER' }), [1, 3, 4]);
  assert.deepEqual(await uids({ op: 'body', value: 'nderfu' }), [1]);
  assert.deepEqual(await uids({ op: 'body', value: 'überr' }), [3], 'non-ASCII folds too');
  assert.deepEqual(await uids({ op: 'body', value: 'wonderless' }), [], 'every trigram present is not enough: the exact check decides');
  assert.deepEqual(await uids({ op: 'body', value: '"quoted"' }), [6], 'quotes in the needle are literal');
  assert.deepEqual(await uids({ op: 'body', value: 'zq' }), [5], 'two characters: no trigram, a scan');
});

test('TEXT covers the header, SUBJECT is narrowed too, and conditions combine', async () => {
  assert.deepEqual(await uids({ op: 'text', value: 'zanzibar2' }), [3]);
  assert.deepEqual(await uids({ op: 'header', field: 'Subject', value: 'zanzibar4' }), [5]);
  assert.deepEqual(await uids({ op: 'and', keys: [{ op: 'body', value: 'wonder' }, { op: 'not', key: { op: 'uid', ranges: [[1, 1]] } }] }), [3, 4]);
  assert.deepEqual(await uids({ op: 'or', a: { op: 'body', value: 'nothing' }, b: { op: 'body', value: 'wonderful' } }), [1, 2]);
});

test('an expunged message leaves no hit; a copy elsewhere is still found', async () => {
  const messages = new ImapMessageStore(store);
  await messages.storeFlags(accountId, inbox, [[2, 2]], 'add', ['\\Deleted'], null);
  await messages.expunge(accountId, inbox, null);
  assert.deepEqual(await uids({ op: 'body', value: 'nothing' }), []);
  await deliver(store, { raw: mail('again', 'nothing here either'), recipients: [{ accountId }] });
  assert.deepEqual(await uids({ op: 'body', value: 'nothing' }), [7]);
});

test('the indexer reaches delivered rows by itself, shortly after', async () => {
  const waiting = () => store.db.prepare('SELECT count(*) FROM search_fts_pending').pluck().get() as number;
  for (const started = Date.now(); waiting() > 0;) {
    assert.ok(Date.now() - started < 10_000, `${waiting()} rows still wait for the indexer after 10 s`);
    await new Promise((r) => setTimeout(r, 10));
  }
});

test('so do rows the queue stored (a submission with a local copy, a queue-only message), without another delivery', async () => {
  const waiting = () => store.db.prepare('SELECT count(*) FROM search_fts_pending').pluck().get() as number;
  const now = Date.now();
  const accept = (localTargets: { accountId: number }[]) => store.queue.accept({ raw: mail('sent', 'outbound words'), prefix: Buffer.alloc(0), index: null,
    localTargets, internalDate: now, sender: 'u@example.test', accountId, remoteRecipients: ['bob@remote.test'], expiresAt: now + 1e9 }, now);
  await accept([{ accountId }]);
  await accept([]);
  assert.ok(waiting() >= 2, 'both contents wait for the indexer at first');
  for (const started = Date.now(); waiting() > 0;) {
    assert.ok(Date.now() - started < 10_000, `${waiting()} rows still wait for the indexer after 10 s`);
    await new Promise((r) => setTimeout(r, 10));
  }
});

test('a message is found from its commit on, before the indexer reaches it and after; an expunge before indexing leaves the index sound', async () => {
  // Its own store, whose indexer runs only when asked, so the rows are known to be waiting.
  const own = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-fts-later-'));
  const s = openStore(own, { clock: systemClock, migrate: true, ftsIndexDelayMs: 3_600_000 });
  try {
    const domain = await s.domains.add('example.test', []);
    const account = (await s.accounts.add('v@example.test', domain.id, 'x')).id;
    const box = (await s.mailboxes.find(account, 'INBOX'))!.id;
    const find = async (value: string) => (await new ImapSearchStore(s, IMAP_SEARCH_MAX_MS).search(box, { op: 'body', value })).map((h) => h.uid);
    const waiting = () => s.db.prepare('SELECT count(*) FROM search_fts_pending').pluck().get() as number;
    const messages = new ImapMessageStore(s);
    const expunge = async (uid: number) => {
      await messages.storeFlags(account, box, [[uid, uid]], 'add', ['\\Deleted'], null);
      await messages.expunge(account, box, null);
    };

    const kept = (await deliver(s, { raw: mail('fresh', 'quetzalcoatl arrives'), recipients: [{ accountId: account }] }))[0]!.uid;
    assert.equal(waiting(), 1, 'the new text waits for the indexer');
    assert.deepEqual(await find('quetzal'), [kept], 'found while waiting');
    await s.indexTextNow();
    assert.equal(waiting(), 0);
    assert.deepEqual(await find('quetzal'), [kept], 'found through the index');

    const gone = (await deliver(s, { raw: mail('brief', 'ephemeralword'), recipients: [{ accountId: account }] }))[0]!.uid;
    assert.deepEqual(await find('ephemeral'), [gone]);
    await expunge(gone);
    assert.equal(waiting(), 0, 'its content went, and with it its place in the list');
    await expunge(kept);
    assert.deepEqual(await find('ephemeral'), []);
    assert.deepEqual(await find('quetzal'), []);
    // FTS5 fails this check (SQLITE_CORRUPT_VTAB) if a 'delete' ever named a row it did not hold.
    s.db.prepare("INSERT INTO search_fts (search_fts, rank) VALUES ('integrity-check', 1)").run();
  } finally {
    await s.close();
    fs.rmSync(own, { recursive: true, force: true });
  }
});

test('the trigram query samples long needles and quotes every term', () => {
  const q = trigramQuery({ columns: 'search_text', value: 'a "b" c' });
  assert.equal(q, 'search_text : ("a """ AND " ""b" AND """b""" AND "b"" " AND """ c")');
  const long = trigramQuery({ columns: null, value: 'x'.repeat(10) + 'abcdefghijklmnopqrstuvwxyz' });
  assert.ok(long.split(' AND ').length <= IMAP_SEARCH_FTS_MAX_TRIGRAMS + 1);
});
