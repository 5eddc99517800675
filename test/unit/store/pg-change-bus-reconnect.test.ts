// The PostgreSQL change bus when its LISTEN connection is lost (a restart, a proxy timeout): the
// notifications sent meanwhile are gone, so once it listens again every mailbox of the accounts it
// has listeners for gets a change without UIDs (uidsOmitted) and sessions catch up from the store;
// later changes arrive with their UIDs as before; and when the database refuses connections at the
// moment of the client's own reconnect, the bus's heartbeat listens again later. The connection is
// ended from the server side (pg_terminate_backend, ALLOW_CONNECTIONS), the failure injected here —
// nothing of the store is read by SQL. A NOTIFY that failed is sent again (without UIDs) once the
// database is back.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import postgres from 'postgres';
import { openTestStore, openSecondNode } from '../../store/engines.ts';
import { deliver } from '../../../src/delivery/deliver.ts';
import type { MailboxChange } from '../../../src/store/change-bus.ts';
import type { PgStore } from '../../../src/store/postgres/store.ts';
import { PgChangeBus } from '../../../src/store/postgres/change-bus.ts';
import { connectPostgres } from '../../../src/store/postgres/connect.ts';

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The test database's name and a connection to the server's own database, for ALTER DATABASE. */
function adminOf(store: PgStore, t: TestContext): { name: string; admin: postgres.Sql } {
  const other = new URL(store.url);
  other.pathname = '/postgres';
  const admin = postgres(other.toString(), { max: 1, onnotice: () => {} });
  t.after(() => admin.end({ timeout: 5 }));
  return { name: new URL(store.url).pathname.slice(1), admin };
}

test('[postgres] after the LISTEN connection is lost and back, listened-to mailboxes get a resync change; later changes flow again', async (t) => {
  const a = await openTestStore('postgres', t) as PgStore;
  const b = await openSecondNode(a, t);
  const d = await a.domains.add('example.test', []);
  const alice = (await a.accounts.add('alice@example.test', d.id, 'x')).id;
  const heard: MailboxChange[] = [];
  b.bus.subscribe(alice, (c) => heard.push(c));
  await deliver(a, { raw: Buffer.from('Subject: 1\r\n\r\nx\r\n'), recipients: [{ accountId: alice }] });
  await until(() => heard.length === 1, 'the first change');
  const admin = postgres(a.url, { max: 1, onnotice: () => {} });
  t.after(() => admin.end({ timeout: 5 }));
  // Both nodes listen; ending every LISTEN connection includes B's.
  const ended = await admin`SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid() AND query ILIKE 'listen %'`;
  assert.ok(ended.length >= 2, 'both LISTEN connections found');
  const boxes = await b.mailboxes.list(alice);
  await until(() => heard.filter((c) => c.uidsOmitted).length >= boxes.length, 'the resync changes');
  const resync = heard.filter((c) => c.uidsOmitted);
  assert.deepEqual(new Set(resync.map((c) => c.mailboxId)), new Set(boxes.map((x) => x.id)), 'one for each of the account’s mailboxes');
  const inbox = boxes.find((x) => x.name === 'INBOX')!;
  assert.equal(resync.find((c) => c.mailboxId === inbox.id)!.modseq, inbox.highestModseq);
  heard.length = 0;
  await deliver(a, { raw: Buffer.from('Subject: 2\r\n\r\nx\r\n'), recipients: [{ accountId: alice }] });
  await until(() => heard.some((c) => c.kind === 'append'), 'a change after the reconnect');
  assert.deepEqual(heard.find((c) => c.kind === 'append')!.uids, [2]);
});

test('[postgres] when the LISTEN connection cannot come back at once, the heartbeat listens again', async (t) => {
  const a = await openTestStore('postgres', t) as PgStore;
  const sql = connectPostgres({ url: a.url, maxConnections: 2 });
  const bus = await PgChangeBus.start(sql, { heartbeatMs: 200 });
  t.after(async () => {
    await bus.close();
    await sql.end({ timeout: 5 });
  });
  const b = await openSecondNode(a, t, { bus });
  const d = await a.domains.add('example.test', []);
  const alice = (await a.accounts.add('alice@example.test', d.id, 'x')).id;
  const heard: MailboxChange[] = [];
  b.bus.subscribe(alice, (c) => heard.push(c));
  const { name, admin } = adminOf(a, t);
  // No new connection may reach the database while the LISTEN connections are ended: the client's
  // own immediate reconnect fails and gives up.
  await admin.unsafe(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
  await admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ${name} AND query ILIKE 'listen %'`;
  await new Promise((r) => setTimeout(r, 1000));
  await admin.unsafe(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
  await until(() => heard.some((c) => c.uidsOmitted), 'the resync after listening again');
  await deliver(a, { raw: Buffer.from('Subject: 3\r\n\r\nx\r\n'), recipients: [{ accountId: alice }] });
  await until(() => heard.some((c) => c.kind === 'append' && c.uids[0] === 1), 'a change after listening again');
});

test('[postgres] changes whose NOTIFY failed reach the other nodes later, without UIDs, once the database is back', async (t) => {
  const a = await openTestStore('postgres', t) as PgStore;
  const b = await openSecondNode(a, t);
  const d = await a.domains.add('example.test', []);
  const alice = (await a.accounts.add('alice@example.test', d.id, 'x')).id;
  const heard: MailboxChange[] = [];
  b.bus.subscribe(alice, (c) => heard.push(c));
  // A node of its own (its connections named, so only they are ended), sending hints for
  // mailboxes B's resync would never name.
  const sql = postgres(a.url, { max: 2, onnotice: () => {}, connection: { application_name: 'failing-node' } }) as unknown as Parameters<typeof PgChangeBus.start>[0];
  const bus = await PgChangeBus.start(sql, { heartbeatMs: 200 });
  t.after(async () => {
    await bus.close();
    await sql.end({ timeout: 5 });
  });
  const { name, admin } = adminOf(a, t);
  await admin.unsafe(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
  await admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ${name} AND application_name = 'failing-node'`;
  for (let gone = false; !gone;) gone = (await admin`SELECT 1 FROM pg_stat_activity WHERE datname = ${name} AND application_name = 'failing-node'`).length === 0;
  bus.publish({ accountId: alice, mailboxId: 900_001, kind: 'append', uids: [7], modseq: 41 });
  bus.publish({ accountId: alice, mailboxId: 900_001, kind: 'expunge', uids: [3], modseq: 40 });
  bus.publish({ accountId: alice, mailboxId: 900_002, kind: 'flags', uids: [1], modseq: 42 });
  await until(() => bus.failedSends > 0, 'a failed NOTIFY');
  assert.equal(heard.length, 0, 'nothing reached B while the database refused');
  await admin.unsafe(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
  await until(() => heard.some((c) => c.mailboxId === 900_001) && heard.some((c) => c.mailboxId === 900_002), 'the kept changes');
  // At least once: a NOTIFY whose answer was lost may have gone out too; the kept one is whole.
  const first = heard.filter((c) => c.mailboxId === 900_001 && c.uidsOmitted);
  assert.ok(first.length >= 1);
  assert.ok(first.every((c) => c.modseq === 40), 'the two changes of one mailbox kept as one, with the lowest MODSEQ it stands for');
  assert.ok(heard.some((c) => c.mailboxId === 900_002 && c.uidsOmitted));
});
