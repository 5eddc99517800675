import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import { openDatabase } from '../../../src/store/sqlite/open.ts';
import { GroupCommit } from '../../../src/store/sqlite/group-commit.ts';
import { LocalChangeBus } from '../../../src/store/change-bus.ts';

test('while held, jobs wait in order with no transaction open; released, they commit and resolve in that order', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-gc-'));
  const db = openDatabase(dir);
  t.after(() => { db.close(); fs.rmSync(dir, { recursive: true, force: true }); });
  db.exec('CREATE TABLE t (n INTEGER)');
  const commits = new GroupCommit(db, new LocalChangeBus());
  commits.hold();
  const order: number[] = [];
  const jobs = [1, 2, 3].map((n) => commits.run(() => db.prepare('INSERT INTO t VALUES (?)').run(n)).then(() => order.push(n)));
  for (let i = 0; i < 5; i++) await tick();
  assert.equal(db.inTransaction, false);
  assert.equal((db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n, 0, 'nothing ran while held');
  commits.release();
  await Promise.all(jobs);
  assert.deepEqual(order, [1, 2, 3]);
  assert.deepEqual(db.prepare('SELECT n FROM t ORDER BY rowid').all(), [{ n: 1 }, { n: 2 }, { n: 3 }]);
});

test('with syncOffLoop a job resolves and publishes only after an fsync of the WAL that began after its COMMIT', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-gc-'));
  const db = openDatabase(dir);
  db.exec('CREATE TABLE t (n INTEGER)');
  const bus = new LocalChangeBus();
  const commits = new GroupCommit(db, bus, { syncOffLoop: true });
  const syncs: { fd: number; done: (e: Error | null) => void }[] = [];
  const original = fs.fsync;
  (fs as { fsync: unknown }).fsync = (fd: number, cb: (e: Error | null) => void) => syncs.push({ fd, done: cb });
  t.after(() => {
    (fs as { fsync: unknown }).fsync = original;
    commits.close();
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const heard: number[] = [];
  bus.subscribe(1, (c) => heard.push(c.uids[0]!));
  const resolved: number[] = [];
  const job = (n: number) => commits.run((tx) => {
    db.prepare('INSERT INTO t VALUES (?)').run(n);
    tx.publish({ accountId: 1, mailboxId: 1, kind: 'append', uids: [n], modseq: n });
  }).then(() => resolved.push(n));
  const first = job(1);
  for (let i = 0; i < 3; i++) await tick();
  assert.equal(syncs.length, 1, 'the commit is followed by one fsync');
  assert.equal(fs.fstatSync(syncs[0]!.fd).ino, fs.statSync(path.join(dir, 'postern.db-wal')).ino, 'of the WAL file');
  assert.equal(db.pragma('synchronous', { simple: true }), 2, 'FULL again for writers outside the group commit');
  const second = job(2);
  for (let i = 0; i < 3; i++) await tick();
  assert.deepEqual([resolved, heard], [[], []], 'committed but not yet durable: nobody is told');
  assert.equal(syncs.length, 1, 'the second batch waits for the fsync in flight');
  syncs[0]!.done(null);
  await first;
  for (let i = 0; i < 3; i++) await tick();
  assert.deepEqual(resolved, [1], 'the fsync in flight began before the second COMMIT: it does not cover it');
  assert.equal(syncs.length, 2);
  syncs[1]!.done(null);
  await second;
  assert.deepEqual([resolved, heard], [[1, 2], [1, 2]], 'in commit order');
});

test('with syncOffLoop a failed fsync fails the jobs it was to make durable', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-gc-'));
  const db = openDatabase(dir);
  db.exec('CREATE TABLE t (n INTEGER)');
  const commits = new GroupCommit(db, new LocalChangeBus(), { syncOffLoop: true });
  const original = fs.fsync;
  (fs as { fsync: unknown }).fsync = (_fd: number, cb: (e: Error | null) => void) => setImmediate(() => cb(new Error('EIO')));
  t.after(() => {
    (fs as { fsync: unknown }).fsync = original;
    commits.close();
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  await assert.rejects(commits.run(() => db.prepare('INSERT INTO t VALUES (1)').run()), /EIO/);
});

test('a light job shares the batch transaction and resolves at its COMMIT; the durable ones still wait for the fsync', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-gc-'));
  const db = openDatabase(dir);
  db.exec('CREATE TABLE t (n INTEGER)');
  // Counts the outermost transactions run (the group commit builds its transaction function once).
  let transactions = 0;
  const transaction = db.transaction.bind(db);
  (db as { transaction: unknown }).transaction = (fn: (...a: unknown[]) => unknown) => {
    const tx = transaction(fn);
    const counted = (run: (...a: unknown[]) => unknown) => (...a: unknown[]) => { if (!db.inTransaction) transactions++; return run(...a); };
    return Object.assign(counted(tx), { immediate: counted(tx.immediate) });
  };
  const commits = new GroupCommit(db, new LocalChangeBus(), { syncOffLoop: true });
  const syncs: ((e: Error | null) => void)[] = [];
  const original = fs.fsync;
  (fs as { fsync: unknown }).fsync = (_fd: number, cb: (e: Error | null) => void) => syncs.push(cb);
  t.after(() => {
    (fs as { fsync: unknown }).fsync = original;
    commits.close();
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const resolved: string[] = [];
  const durable = commits.run(() => db.prepare('INSERT INTO t VALUES (1)').run()).then(() => resolved.push('durable'));
  const light = commits.runLight(() => db.prepare('INSERT INTO t VALUES (2)').run().changes).then((n) => { resolved.push('light'); return n; });
  assert.equal(await light, 1);
  assert.equal(transactions, 1, 'one transaction for both');
  assert.deepEqual(resolved, ['light'], 'the light job did not wait for the fsync');
  assert.equal(syncs.length, 1);
  syncs[0]!(null);
  await durable;
  assert.deepEqual(resolved, ['light', 'durable']);
  await commits.runLight(() => db.prepare('INSERT INTO t VALUES (3)').run());
  assert.equal(syncs.length, 1, 'a batch of light jobs alone asks for no fsync');
  await assert.rejects(commits.runLight(() => { throw new Error('boom'); }), /boom/);
  assert.deepEqual(db.prepare('SELECT n FROM t ORDER BY n').pluck().all(), [1, 2, 3]);
});

test('repeatable jobs share a savepoint; when one throws, only its writes are undone, the others commit once and publish in order', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-gc-'));
  const db = openDatabase(dir);
  t.after(() => { db.close(); fs.rmSync(dir, { recursive: true, force: true }); });
  db.exec('CREATE TABLE t (n INTEGER)');
  const bus = new LocalChangeBus();
  const heard: number[] = [];
  bus.subscribe(1, (c) => heard.push(c.uids[0]!));
  const commits = new GroupCommit(db, bus);
  commits.hold();
  const runs = new Map<number, number>();
  const job = (n: number, repeatable: boolean) => commits.run((tx) => {
    runs.set(n, (runs.get(n) ?? 0) + 1);
    db.prepare('INSERT INTO t VALUES (?)').run(n);
    tx.publish({ accountId: 1, mailboxId: 1, kind: 'append', uids: [n], modseq: n });
    if (n === 3) throw new Error('job 3 fails after writing');
    return n;
  }, { repeatable });
  // 1, 2, 3, 4 repeatable and consecutive; 5 not; 6, 7 repeatable again.
  const results = [1, 2, 3, 4, 5, 6, 7].map((n) => job(n, n !== 5).then((v) => ({ ok: v }), (e: Error) => ({ error: e.message })));
  commits.release();
  assert.deepEqual(await Promise.all(results), [{ ok: 1 }, { ok: 2 }, { error: 'job 3 fails after writing' }, { ok: 4 }, { ok: 5 }, { ok: 6 }, { ok: 7 }]);
  assert.deepEqual(db.prepare('SELECT n FROM t ORDER BY rowid').pluck().all(), [1, 2, 4, 5, 6, 7], 'job 3 left nothing; every other row once');
  assert.deepEqual(heard, [1, 2, 4, 5, 6, 7], 'only committed changes, in commit order');
  assert.deepEqual([...runs.entries()].sort((a, b) => a[0] - b[0]), [[1, 2], [2, 2], [3, 2], [4, 1], [5, 1], [6, 1], [7, 1]],
    'the shared run stopped at job 3 and was rolled back; each of its jobs then ran alone (4 had not run yet)');
});
