// The reindex area on both engines: it counts and pages the content rows IMAP and POP3 read (not
// queue-only content), and update replaces what delivery derived; no content of a new store is
// below the full-text floor, and after ftsComplete the floor is 0 (on PostgreSQL it always is:
// its trigram indexes cover every row).
import assert from 'node:assert/strict';
import { storeTest } from './engines.ts';
import { contentIndexOf } from '../../src/delivery/deliver.ts';

const message = (subject: string, body: string) => Buffer.from(`From: carol@remote.test\r\nTo: alice@example.test\r\nSubject: ${subject}\r\n\r\n${body}\r\n`);

storeTest('reindex pages the readable contents and replaces their derived data', async (store) => {
  const d = await store.domains.add('example.test', []);
  const alice = (await store.accounts.add('alice@example.test', d.id, 'x')).id;
  const stale = contentIndexOf(message('old subject', 'old body'));
  for (const n of [1, 2, 3]) {
    await store.storeMessage({ raw: message(`subject ${n}`, `body ${n}`), prefix: Buffer.alloc(0), index: stale, targets: [{ accountId: alice }], internalDate: n, flags: [] });
  }
  await store.queue.accept({ raw: message('queued', 'q'), prefix: Buffer.alloc(0), index: null, localTargets: [], internalDate: 1, sender: '', accountId: null, remoteRecipients: ['x@remote.test'], expiresAt: 10 }, 1);
  assert.equal(await store.reindex.count(), 3, 'queue-only content has no index to refresh');
  const all = await store.reindex.ids(0, 10);
  assert.equal(all.length, 3);
  assert.deepEqual(await store.reindex.ids(all[0]!, 1), [all[1]]);
  assert.deepEqual(await store.reindex.ids(all[2]!, 10), []);
  // No content of a new store predates the full-text index (SQLite's floor is 1 here, PostgreSQL's 0).
  const floor = await store.reindex.ftsFloor();
  assert.ok(all.every((id) => id >= floor), `floor ${floor}`);
  if (store.engine === 'postgres') assert.equal(floor, 0);
  await store.reindex.indexText(all, floor);
  await store.reindex.ftsComplete();
  assert.equal(await store.reindex.ftsFloor(), 0);

  assert.match((await store.spam.textOf(all[0]!, 0))!.headerText, /old subject/);
  await store.reindex.update([]);
  await store.reindex.update(await Promise.all(all.map(async (id) => ({ id, index: contentIndexOf(await store.contents.full(id)) }))));
  for (const [i, id] of all.entries()) {
    const text = (await store.spam.textOf(id, 7))!;
    assert.match(text.headerText, new RegExp(`subject ${i + 1}`));
    assert.match(text.searchText, new RegExp(`body ${i + 1}`));
    assert.equal(text.head.toString(), 'From: c');
    assert.equal((await store.contents.info(id))!.mimeTree, contentIndexOf(await store.contents.full(id)).mimeTree);
  }
});
