// Store conformance: IMAP SEARCH and the SORT inputs on both engines, through the interface only —
// every StoreSearchKey: flags and keywords, header/address/body/text substrings (case-insensitive,
// also beyond ASCII; LIKE metacharacters are literal), dates, sizes, UID sets, MODSEQ, not/or/and.
import assert from 'node:assert/strict';
import { storeTest } from './engines.ts';
import type { Store } from '../../src/store/api.ts';
import { deliver } from '../../src/delivery/deliver.ts';
import type { StoreSearchKey } from '../../src/store/search.ts';

const DAY = 86_400_000;
const D1 = Date.UTC(2026, 0, 10);
const D2 = Date.UTC(2026, 0, 20);

async function setup(store: Store): Promise<{ accountId: number; inbox: number }> {
  const domain = await store.domains.add('example.test', []);
  const accountId = (await store.accounts.add('alice@example.test', domain.id, '$scrypt$x')).id;
  const put = (headers: string, body: string, flags: string[], internalDate: number) =>
    deliver(store, { raw: Buffer.from(`${headers}\r\n\r\n${body}`), recipients: [{ accountId }], flags, internalDate });
  // 1: plain ASCII, seen, Jan 10.
  await put('From: Bob Builder <bob@example.test>\r\nTo: alice@example.test\r\nSubject: Quarterly REPORT\r\nDate: Sat, 10 Jan 2026 12:00:00 +0000',
    'The numbers are in.\r\n', ['\\Seen', '$Work'], D1);
  // 2: non-ASCII subject (RFC 2047) and body, flagged, Jan 20.
  await put('From: =?utf-8?q?J=C3=BCrgen?= <jurgen@example.org>\r\nTo: alice@example.test\r\nCc: carol@example.net\r\nSubject: =?utf-8?q?=C3=89COLE_d=27=C3=A9t=C3=A9?=\r\nDate: Tue, 20 Jan 2026 08:00:00 +0100\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit',
    'Grüße aus München, 100% sicher_ja \\o/\r\n', ['\\Flagged'], D2);
  // 3: large, deleted, no Date.
  await put('From: carol@example.net\r\nTo: bob@example.test\r\nSubject: big one', 'x'.repeat(5000) + ' needle\r\n', ['\\Deleted', '$work'], D2 + DAY);
  const inbox = (await store.imapMailboxes.byName(accountId, 'INBOX'))!.id;
  return { accountId, inbox };
}

async function uids(store: Store, inbox: number, key: StoreSearchKey): Promise<number[]> {
  return (await store.imapSearch.search(inbox, key)).map((h) => h.uid);
}

storeTest('SEARCH flags, keywords, sizes, UID sets, MODSEQ and their combinations', async (store) => {
  const { accountId, inbox } = await setup(store);
  assert.deepEqual(await uids(store, inbox, { op: 'all' }), [1, 2, 3]);
  assert.deepEqual(await uids(store, inbox, { op: 'flag', flag: '\\Seen', present: true }), [1]);
  assert.deepEqual(await uids(store, inbox, { op: 'flag', flag: '\\Seen', present: false }), [2, 3]);
  assert.deepEqual(await uids(store, inbox, { op: 'flag', flag: '\\Deleted', present: true }), [3]);
  assert.deepEqual(await uids(store, inbox, { op: 'flag', flag: '$WORK', present: true }), [1, 3]);
  assert.deepEqual(await uids(store, inbox, { op: 'flag', flag: '$Work', present: false }), [2]);
  // A keyword that is a prefix of another, and one with a LIKE metacharacter, match only themselves.
  assert.deepEqual(await uids(store, inbox, { op: 'flag', flag: '$Wor', present: true }), []);
  assert.deepEqual(await uids(store, inbox, { op: 'flag', flag: '$W_rk', present: true }), []);
  assert.deepEqual(await uids(store, inbox, { op: 'size', cmp: 'larger', size: 4000 }), [3]);
  assert.deepEqual(await uids(store, inbox, { op: 'size', cmp: 'smaller', size: 4000 }), [1, 2]);
  assert.deepEqual(await uids(store, inbox, { op: 'uid', ranges: [[1, 1], [3, 9]] }), [1, 3]);
  assert.deepEqual(await uids(store, inbox, { op: 'uid', ranges: [] }), []);
  const s = await store.imapMessages.storeFlags(accountId, inbox, [[2, 2]], 'add', ['\\Answered'], null);
  const hits = await store.imapSearch.search(inbox, { op: 'modseq', modseq: s.modseqs[0]! });
  assert.deepEqual(hits, [{ uid: 2, modseq: s.modseqs[0]! }]);
  assert.deepEqual(await uids(store, inbox, { op: 'not', key: { op: 'flag', flag: '\\Answered', present: true } }), [1, 3]);
  assert.deepEqual(await uids(store, inbox, { op: 'or', a: { op: 'flag', flag: '\\Seen', present: true }, b: { op: 'flag', flag: '\\Deleted', present: true } }), [1, 3]);
  assert.deepEqual(await uids(store, inbox, { op: 'and', keys: [{ op: 'flag', flag: '$work', present: true }, { op: 'size', cmp: 'smaller', size: 4000 }] }), [1]);
});

storeTest('SEARCH substrings: header, address, body, text, case-insensitive beyond ASCII, metacharacters literal', async (store) => {
  const { inbox } = await setup(store);
  assert.deepEqual(await uids(store, inbox, { op: 'header', field: 'Subject', value: 'quarterly rep' }), [1]);
  assert.deepEqual(await uids(store, inbox, { op: 'header', field: 'subject', value: 'école' }), [2]);
  assert.deepEqual(await uids(store, inbox, { op: 'header', field: 'SUBJECT', value: "D'ÉTÉ" }), [2]);
  // The value must be in that field: "bob" is in From of 1 and To of 3.
  assert.deepEqual(await uids(store, inbox, { op: 'header', field: 'to', value: 'BOB' }), [3]);
  assert.deepEqual(await uids(store, inbox, { op: 'header', field: 'X-None', value: '' }), []);
  assert.deepEqual(await uids(store, inbox, { op: 'header', field: 'cc', value: '' }), [2]);
  assert.deepEqual(await uids(store, inbox, { op: 'header', field: 'cc', value: '' }), [2]);
  assert.deepEqual(await uids(store, inbox, { op: 'address', field: 'from', value: 'bob@example' }), [1]);
  assert.deepEqual(await uids(store, inbox, { op: 'address', field: 'from', value: 'JÜRGEN' }), [2]);
  assert.deepEqual(await uids(store, inbox, { op: 'address', field: 'cc', value: 'carol' }), [2]);
  assert.deepEqual(await uids(store, inbox, { op: 'body', value: 'NUMBERS' }), [1]);
  assert.deepEqual(await uids(store, inbox, { op: 'body', value: 'grüsse' }), []);
  assert.deepEqual(await uids(store, inbox, { op: 'body', value: 'GRÜßE' }), [2]);
  assert.deepEqual(await uids(store, inbox, { op: 'body', value: 'münchen' }), [2]);
  assert.deepEqual(await uids(store, inbox, { op: 'body', value: '100% sicher_ja \\o/' }), [2]);
  assert.deepEqual(await uids(store, inbox, { op: 'body', value: '100%%' }), []);
  assert.deepEqual(await uids(store, inbox, { op: 'body', value: 'sicher%ja' }), []);
  assert.deepEqual(await uids(store, inbox, { op: 'body', value: 'quarterly' }), []);
  assert.deepEqual(await uids(store, inbox, { op: 'text', value: 'quarterly' }), [1]);
  // A NUL (possible in a literal) is in no stored text.
  assert.deepEqual(await uids(store, inbox, { op: 'text', value: 'quar\0terly' }), []);
  assert.deepEqual(await uids(store, inbox, { op: 'header', field: 'sub\0ject', value: 'q' }), []);
  assert.deepEqual(await uids(store, inbox, { op: 'text', value: 'NEEDLE' }), [3]);
  assert.deepEqual(await uids(store, inbox, { op: 'not', key: { op: 'text', value: 'example.net' } }), [1]);
  assert.deepEqual(await uids(store, inbox, { op: 'and', keys: [{ op: 'body', value: 'x' }, { op: 'header', field: 'from', value: 'carol' }] }), [3]);
});

storeTest('SEARCH dates: internal and sent, before/on/since; SORT inputs come with the hits', async (store) => {
  const { inbox } = await setup(store);
  assert.deepEqual(await uids(store, inbox, { op: 'internaldate', cmp: 'before', day: D2 }), [1]);
  assert.deepEqual(await uids(store, inbox, { op: 'internaldate', cmp: 'on', day: D2 }), [2]);
  assert.deepEqual(await uids(store, inbox, { op: 'internaldate', cmp: 'since', day: D2 }), [2, 3]);
  assert.deepEqual(await uids(store, inbox, { op: 'sentdate', cmp: 'on', day: D1 }), [1]);
  assert.deepEqual(await uids(store, inbox, { op: 'sentdate', cmp: 'on', day: D2 }), [2]);
  // No Date: the internal date stands in.
  assert.deepEqual(await uids(store, inbox, { op: 'sentdate', cmp: 'since', day: D2 + DAY }), [3]);
  const sorted = await store.imapSearch.searchForSort(inbox, { op: 'all' });
  assert.deepEqual(sorted.map((h) => h.uid), [1, 2, 3]);
  assert.equal(sorted[0]!.internalDate, D1);
  assert.equal(sorted[0]!.sentDate, Date.UTC(2026, 0, 10, 12));
  assert.equal(sorted[2]!.sentDate, null);
  assert.ok(sorted[2]!.size > 5000);
  assert.match(sorted[0]!.sortKeys, /quarterly report/i);
  assert.ok(sorted.every((h) => h.modseq > 0));
  assert.deepEqual((await store.imapSearch.searchForSort(inbox, { op: 'body', value: 'needle' })).map((h) => h.uid), [3]);
});
