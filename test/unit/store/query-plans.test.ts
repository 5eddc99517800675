// Query plans of the store: no statement the store runs while serving mail scans a table that
// grows with the store. Plans are deterministic (no ANALYZE statistics are kept), so this is
// checked on a small store and holds on 100,000 messages; timing is bench/'s business.
// The check reads each statement's bytecode: a Rewind on a cursor over a growing table or one of
// its indexes is a full scan. EXPLAIN QUERY PLAN is not enough, because it omits the foreign-key
// checks a DELETE makes, which is where the release path scanned (migrations/0070).
// On an unindexed child (before 0070) `DELETE FROM blobs` read: OpenRead contents, Rewind, ..., Next.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { sqliteStore } from '../../fixtures/sqlite-only.ts';
import { makeHarness, message, TestClient } from '../../fixtures/imap-harness.ts';
import { deliver } from '../../../src/delivery/deliver.ts';
import { RELEASE_SQL } from '../../../src/store/sqlite/message-rows.ts';
import type { Db } from '../../../src/store/sqlite/open.ts';

/** Tables whose size follows the number of messages (or queued messages) in the store. */
const GROWING = new Set(['messages', 'contents', 'blobs', 'blob_chunks', 'vanished', 'pop3_octets', 'queue_messages', 'queue_recipients']);

interface Op { addr: number; opcode: string; p1: number; p2: number }

/** Placeholder values for a statement's parameters (the plan does not depend on them). */
function bindings(db: Db, sql: string): number[] {
  for (let n = 0; n <= 32; n++) {
    try {
      db.prepare(`EXPLAIN ${sql}`).all(...Array(n).fill(1));
      return Array(n).fill(1);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
    }
  }
  throw new Error(`cannot bind ${sql}`);
}

/**
 * The growing tables (or their indexes) the statement reads from start to end: a SCAN in its query
 * plan, or, in the foreign-key checks and actions of a write (which the plan leaves out), a cursor
 * that starts at one end of a growing table and steps.
 */
function scans(db: Db, sql: string): string[] {
  const planned = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...bindings(db, sql)) as { detail: string }[])
    .map((r) => /^SCAN (\w+)/.exec(r.detail)?.[1]).filter((t): t is string => t !== undefined && GROWING.has(t));
  if (/^\s*(SELECT|WITH)\b/i.test(sql)) return planned;
  const owner = new Map((db.prepare('SELECT rootpage, tbl_name AS table_, name FROM sqlite_schema WHERE rootpage > 0').all() as
    { rootpage: number; table_: string; name: string }[]).map((r) => [r.rootpage, r]));
  // EXPLAIN lists a statement's main program, then the trigger programs of its foreign-key actions;
  // each numbers its addresses and cursors from 0.
  const programs: Op[][] = [];
  for (const op of db.prepare(`EXPLAIN ${sql}`).all(...bindings(db, sql)) as Op[]) {
    if (op.addr === 0) programs.push([]);
    programs.at(-1)!.push(op);
  }
  return planned.concat(programs.flatMap((program) => {
    const cursors = new Map<number, { table_: string; name: string }>();
    for (const op of program) {
      const o = (op.opcode === 'OpenRead' || op.opcode === 'OpenWrite') ? owner.get(op.p2) : undefined;
      if (o) cursors.set(op.p1, o);
    }
    const steps = new Set(program.filter((op) => op.opcode === 'Next' || op.opcode === 'Prev').map((op) => op.p1));
    return program.filter((op) => (op.opcode === 'Rewind' || op.opcode === 'Last') && steps.has(op.p1))
      .map((op) => cursors.get(op.p1)).filter((c) => c !== undefined && GROWING.has(c.table_)).map((c) => c!.name);
  }));
}

test('every foreign key of a growing table is checked through an index, and the release path never scans', async (t) => {
  const h = await makeHarness();
  t.after(() => h.close());
  const db = sqliteStore(h.store).db;
  // A child table with no index on its referencing column is scanned by each parent delete.
  const tables = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[]).map((r) => r.name);
  for (const child of tables) {
    for (const fk of db.pragma(`foreign_key_list(${child})`) as { table: string; from: string }[]) {
      assert.deepEqual(scans(db, `SELECT 1 FROM ${child} WHERE ${fk.from} = ?`), [], `${child}(${fk.from}) → ${fk.table} has an index`);
    }
  }
  for (const [name, sql] of Object.entries(RELEASE_SQL)) assert.deepEqual(scans(db, sql), [], `release path: ${name}`);
  assert.deepEqual(scans(db, 'DELETE FROM accounts WHERE id = ?'), [], 'account removal');
  assert.deepEqual(scans(db, 'DELETE FROM mailboxes WHERE id = ?'), [], 'mailbox deletion');
});

test('no statement the store prepares while serving IMAP, POP3 and the queue scans a growing table', async (t) => {
  const prepared = new Set<string>();
  const original = Database.prototype.prepare;
  Database.prototype.prepare = function (this: Db, sql: string) {
    prepared.add(sql);
    return original.call(this, sql);
  } as typeof original;
  t.after(() => { Database.prototype.prepare = original; });
  const h = await makeHarness();
  t.after(() => h.close());
  for (let i = 0; i < 5; i++) await deliver(h.store, { raw: message(`m${i}`), recipients: [{ accountId: h.accountId }] });
  const c = new TestClient(h.services);
  t.after(() => c.close());
  await c.login();
  await c.command('CREATE Work');
  await c.command('SELECT INBOX (CONDSTORE)');
  await c.command('FETCH 1:* (FLAGS UID RFC822.SIZE ENVELOPE BODYSTRUCTURE BODY.PEEK[HEADER.FIELDS (SUBJECT)] BODY.PEEK[])');
  await c.command('UID SEARCH HEADER Subject m3');
  await c.command('UID SEARCH BODY nowhere UNSEEN');
  await c.command('STORE 1:2 +FLAGS (\\Deleted)');
  await c.command('UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1)');
  await c.command('COPY 3 Work');
  await c.command('MOVE 4 Work');
  await c.command('EXPUNGE');
  await c.command('STATUS Work (MESSAGES UIDNEXT UNSEEN SIZE HIGHESTMODSEQ)');
  c.send('a1 APPEND Work (\\Seen) {14}\r\n');
  await c.waitFor(/^\+/m);
  c.send('Subject: x\r\n\r\n\r\n');
  await c.waitFor(/^a1 OK/m);
  await c.command('DELETE Work');
  const snap = (await h.store.pop3.snapshot(h.accountId))!;
  await h.store.pop3.recordOctets(snap.messages.map((m) => ({ contentId: m.contentId, octets: 1 })));
  await h.store.pop3.expunge(h.accountId, snap.mailboxId, [snap.messages[0]!.uid]);
  const now = Date.now();
  await h.store.queue.accept({ raw: message('out'), prefix: Buffer.alloc(0), index: null, localTargets: [], internalDate: now,
    sender: h.address, accountId: h.accountId, remoteRecipients: ['bob@remote.test'], expiresAt: now + 1e9 }, now);
  const [claimed] = await h.store.queue.claimDue('remote.test', now + 1, now + 60_000, 10);
  await h.store.queue.record([{ id: claimed!.id, status: 'delivered', reply: '250 ok' }], now + 2);
  await h.store.accounts.remove(h.accountId);
  assert.ok(prepared.size > 40, `the workload prepared the store's statements (${prepared.size})`);
  const scanning = [...prepared].map((sql) => ({ sql: sql.replace(/\s+/g, ' '), scans: scans(sqliteStore(h.store).db, sql) })).filter((s) => s.scans.length > 0);
  assert.deepEqual(scanning, []);
});
