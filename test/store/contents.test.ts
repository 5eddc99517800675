// Conformance: stored message bytes on both engines — a content serves prefix + raw, whole, by
// range (only the chunks that overlap are read, so ranges across BLOB_CHUNK_SIZE boundaries must
// join exactly) and in pieces; its info; and a content that does not exist is refused.
import assert from 'node:assert/strict';
import { storeTest } from './engines.ts';
import { collect } from '../fixtures/store-inspect.ts';
import { deliver } from '../../src/delivery/deliver.ts';
import { BLOB_CHUNK_SIZE } from '../../src/limits.ts';
import type { Store } from '../../src/store/api.ts';

async function stored(store: Store, raw: Buffer, prefix: string): Promise<number> {
  const d = await store.domains.add('example.test', []);
  const a = (await store.accounts.add('alice@example.test', d.id, 'x')).id;
  const [copy] = await deliver(store, { raw, prefix, recipients: [{ accountId: a }] });
  return (await store.exportPage(copy!.mailboxId, 0, 1))[0]!.contentId;
}

const header = 'From: carol@remote.test\r\nSubject: hello\r\nDate: Sat, 21 Nov 2026 10:00:00 +0000\r\n\r\n';

storeTest('a content serves prefix + raw whole, by range across chunk boundaries, and in pieces', async (store) => {
  const body = Buffer.alloc(3 * BLOB_CHUNK_SIZE + 1234);
  for (let i = 0; i < body.length; i++) body[i] = 97 + (i % 26);
  const raw = Buffer.concat([Buffer.from(header), body]);
  const prefix = 'X-Added: yes\r\n';
  const id = await stored(store, raw, prefix);
  const expected = Buffer.concat([Buffer.from(prefix), raw]);
  const info = (await store.contents.info(id))!;
  assert.equal(info.id, id);
  assert.equal(info.size, expected.length);
  assert.deepEqual(info.prefix, Buffer.from(prefix));
  assert.match(info.mimeTree, /./);
  assert.deepEqual(await store.contents.full(id), expected);
  const c = BLOB_CHUNK_SIZE + prefix.length;
  for (const [s, e] of [[0, 5], [5, 100_005], [c - 3, c + 3], [c, c + BLOB_CHUNK_SIZE], [prefix.length, prefix.length + 1], [150_000, 999_999], [expected.length, expected.length + 10], [10, 10], [-5, 3]] as const) {
    assert.deepEqual(await store.contents.range(id, s, e), expected.subarray(Math.max(0, s), e), `[${s}, ${e})`);
  }
  const pieces = await collect(store.contents.pieces(id));
  assert.deepEqual(pieces[0], Buffer.from(prefix));
  assert.equal(pieces.length, 1 + 4, 'the prefix, then each chunk');
  assert.deepEqual(Buffer.concat(pieces), expected);
});

storeTest('a message of exactly one chunk and one without a prefix', async (store) => {
  const raw = Buffer.concat([Buffer.from(header), Buffer.alloc(BLOB_CHUNK_SIZE - header.length, 'z')]);
  const id = await stored(store, raw, '');
  assert.deepEqual(await store.contents.full(id), raw);
  assert.deepEqual(await collect(store.contents.pieces(id)), [raw]);
  assert.deepEqual(await store.contents.range(id, BLOB_CHUNK_SIZE - 2, BLOB_CHUNK_SIZE + 5), raw.subarray(BLOB_CHUNK_SIZE - 2));
});

storeTest('a content that does not exist: info is null, reads are refused', async (store) => {
  assert.equal(await store.contents.info(987_654), null);
  await assert.rejects(store.contents.full(987_654));
  await assert.rejects(store.contents.range(987_654, 0, 10));
  await assert.rejects(collect(store.contents.pieces(987_654)));
});
