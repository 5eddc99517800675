// `postern store copy` end to end on a real PostgreSQL server: a SQLite installation with a few
// hundred messages across accounts, mailboxes and flags, a queued message and a Sieve script is
// copied to PostgreSQL by the CLI, then from PostgreSQL (configured as the engine) back to a new
// SQLite directory. What is asserted through the store interface: the messages (bytes), UIDs,
// UIDVALIDITY, MODSEQs and flags are identical on PostgreSQL and after the round trip; the SQLite source file is not
// changed by a byte; a target that is not empty is refused; PostgreSQL's ids continue after the copy.
// And the verification can fail: a store written during the copy (another node still running)
// differs from its copy when read afresh, and the copy is refused.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { makeInstance, cli } from '../fixtures/postern.ts';
import { startPostgres, type PgServer } from '../fixtures/postgres.ts';
import { buildSourceStore } from '../fixtures/store-copy-source.ts';
import { storedMessages } from '../fixtures/store-inspect.ts';
import { openStore } from '../../src/store/sqlite/store.ts';
import { PgStore } from '../../src/store/postgres/store.ts';
import type { Store } from '../../src/store/api.ts';
import os from 'node:os';
import { copyStore, StoreCopyError } from '../../src/store/engines/copy.ts';
import { deliver } from '../../src/delivery/deliver.ts';

let server: PgServer | null = null;
after(async () => server?.stop());

const clock = { now: () => Date.now() };
const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** What must survive the copy, per account: mailboxes with UIDVALIDITY and counters, messages with UIDs, flags and bytes. */
async function picture(store: Store, addresses: string[]): Promise<unknown> {
  const out: unknown[] = [];
  for (const address of addresses) {
    const account = (await store.accounts.byAddress(address))!;
    const boxes = await store.imapMailboxes.list(account.id);
    const flags: unknown[] = [];
    for (const b of boxes) {
      for (const r of await store.imapMessages.fetchPage(b.id, 1, Number.MAX_SAFE_INTEGER, 100_000, {})) flags.push([b.name, r.uid, r.modseq, r.flags, r.keywords, r.internalDate, r.size]);
    }
    const messages = (await storedMessages(store, address)).map((m) => [m.mailbox, m.uid, m.bytes.toString('base64')]);
    out.push({ address, account, boxes, flags, messages, sieve: await store.sieve.list(account.id), active: await store.sieve.active(account.id) });
  }
  return out;
}

/** SEARCH BODY for a phrase of the fixture's bodies, in every mailbox: the UIDs found. */
async function bodySearches(store: Store, addresses: string[]): Promise<unknown> {
  const out: number[][] = [];
  for (const address of addresses) {
    for (const b of await store.imapMailboxes.list((await store.accounts.byAddress(address))!.id)) {
      out.push((await store.imapSearch.search(b.id, { op: 'body', value: 'words to search' })).map((h) => h.uid));
    }
  }
  return out;
}

test('store copy: SQLite → PostgreSQL → SQLite keeps every message, UID, UIDVALIDITY and flag; the source is never written', async () => {
  server = await startPostgres();
  const source = makeInstance();
  const dataDir = path.join(source.dir, 'data');
  const { addresses, messages } = await buildSourceStore(dataDir, 300);
  const original = openStore(dataDir, { clock, migrate: false });
  const before = await picture(original, addresses);
  const queueBefore = (await original.queue.list()).map((q) => ({ ...q }));
  const boxesBefore = new Map<string, unknown>();
  for (const address of addresses) boxesBefore.set(address, await original.mailboxes.list((await original.accounts.byAddress(address))!.id));
  const searched = await bodySearches(original, addresses);
  assert.ok((searched as number[][]).some((uids) => uids.length > 0), 'the source finds the phrase');
  await original.close();
  const dbFile = path.join(dataDir, 'postern.db');
  const digest = sha(dbFile);

  const url = await server.freshDatabase();
  let r = cli(source, ['store', 'copy', '--to', url, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { rows: number; messages: { count: number }; tables: { table: string; rows: number }[] };
  assert.equal(report.messages.count, messages - 2, 'every stored message but the two expunged');
  assert.ok(report.tables.some((t) => t.table === 'messages' && t.rows === messages - 2));
  assert.ok(report.tables.some((t) => t.table === 'vanished' && t.rows === 2), 'the expunge tombstones');
  assert.ok(report.tables.some((t) => t.table === 'queue_messages' && t.rows === 1));
  assert.equal(sha(dbFile), digest, 'the SQLite source is unchanged');
  assert.equal(fs.existsSync(`${dbFile}-wal`) ? fs.statSync(`${dbFile}-wal`).size : 0, 0, 'and nothing was written to its WAL');

  // Copying again into the same database is refused: it is not empty any more.
  r = cli(source, ['store', 'copy', '--to', url]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /not empty/);

  // PostgreSQL as the store: what the interface reads there is what SQLite had.
  const pg = await PgStore.open({ url }, { clock, migrate: false });
  try {
    for (const address of addresses) {
      const a = (await pg.accounts.byAddress(address))!;
      assert.deepEqual(await pg.mailboxes.list(a.id), boxesBefore.get(address), `${address}: mailboxes with UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ`);
    }
    assert.deepEqual(await picture(pg, addresses), before, 'on PostgreSQL: messages, UIDs, UIDVALIDITY, MODSEQs, flags, scripts identical');
    assert.deepEqual((await pg.queue.list()).map((q) => ({ ...q })), queueBefore, 'the queued message too');
    // The identity sequences continue after the copied ids.
    const d = await pg.domains.add('after-copy.test', []);
    assert.ok(d.id > 1, 'a new domain gets an id after the copied one');
  } finally {
    await pg.close();
  }

  // Back: PostgreSQL configured as the engine, copied to a new SQLite directory.
  const onPg = makeInstance({ store: { engine: 'postgres', url } });
  const back = path.join(onPg.dir, 'back');
  r = cli(onPg, ['store', 'copy', '--to', `sqlite:${back}`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /verified/);
  const copy = openStore(back, { clock, migrate: false });
  try {
    assert.deepEqual(await picture(copy, addresses), before, 'messages, UIDs, UIDVALIDITY, MODSEQs, flags, scripts identical after the round trip');
    assert.deepEqual((await copy.queue.list()).map((q) => ({ ...q })), queueBefore, 'the queued message too');
    assert.ok(await copy.domains.find('after-copy.test'), 'what PostgreSQL got after the first copy came back too');
    assert.deepEqual(await bodySearches(copy, addresses), searched, 'SEARCH BODY through the copied full-text index finds the same messages');
  } finally {
    await copy.close();
  }
  assert.equal(sha(dbFile), digest);
});

test('store copy: a source written during the copy fails the verification', async (t) => {
  server ??= await startPostgres();
  const url = await server.freshDatabase();
  const source = await PgStore.open({ url }, { clock, migrate: true });
  t.after(() => source.close());
  const domain = await source.domains.add('copy.test', []);
  const account = await source.accounts.add('user@copy.test', domain.id, 'x');
  for (let i = 0; i < 40; i++) await deliver(source, { raw: Buffer.from(`Subject: ${i}\r\n\r\nbody ${i}\r\n`), recipients: [{ accountId: account.id }] });
  // Another node, its connection already open, writes once the copy has begun.
  const node = await PgStore.open({ url }, { clock, migrate: false });
  t.after(() => node.close());
  assert.equal((await node.domains.list()).length, 1);
  let late: Promise<unknown> | null = null;
  const target = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-copy-'));
  t.after(() => fs.rmSync(target, { recursive: true, force: true }));
  await assert.rejects(
    copyStore({ engine: 'postgres', settings: { url } }, { engine: 'sqlite', dataDir: target }, {
      onProgress: () => { late ??= node.domains.add('late.test', []); },
    }),
    (e: unknown) => e instanceof StoreCopyError && /verification failed: domains has 2 row\(s\) in the source and 1 in the copy/.test(e.message),
  );
  await late;
});
