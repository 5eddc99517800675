import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import { openDatabase } from '../../../src/store/open.ts';
import { GroupCommit } from '../../../src/store/group-commit.ts';
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
