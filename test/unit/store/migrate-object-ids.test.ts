// The SAVEDATE/OBJECTID migrations (migrations/0090, migrations/postgres/0012) on a store that already
// holds mail, on both engines: messages get their internal date as save date, every mailbox a
// MAILBOXID of its own, and every message an EMAILID that copies of one message in one account
// share and nothing else does. Rows are written with SQL before the migration on purpose: this
// checks the migrations, and the store code of today cannot write the schema of yesterday.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { openDatabase } from '../../../src/store/sqlite/open.ts';
import { applyMigrations } from '../../../src/store/sqlite/migrate.ts';
import { readMigrations } from '../../../src/store/migrations.ts';
import { applyPgMigrations, readPgMigrations } from '../../../src/store/postgres/migrate.ts';
import { postgresServer } from '../../store/engines.ts';

const SQLITE_VERSION = 90;
const PG_VERSION = 12;

/** Two accounts; alice has one message in INBOX and its copy in Kept (one content), and another;
 *  bob has the same content as alice's first. */
const SEED = [
  "INSERT INTO domains (id, name, created_at) VALUES (1, 'example.test', 1)",
  "INSERT INTO accounts (id, domain_id, address, password_hash, created_at) VALUES (1, 1, 'alice@example.test', 'x', 1), (2, 1, 'bob@example.test', 'x', 1)",
  `INSERT INTO mailboxes (id, account_id, name, uid_validity, uid_next, created_at) VALUES
    (1, 1, 'INBOX', 1, 3, 1), (2, 1, 'Kept', 2, 2, 1), (3, 2, 'INBOX', 3, 2, 1)`,
  'INSERT INTO blobs (id, size, refcount) VALUES (1, 5, 1), (2, 5, 1)',
  `INSERT INTO contents (id, blob_id, prefix, size, mime_tree, envelope, body_structure, body, header_text, search_text, refcount) VALUES
    (1, 1, '', 5, '', '', '', '', '', '', 3), (2, 2, '', 5, '', '', '', '', '', '', 1)`,
  `INSERT INTO messages (id, mailbox_id, uid, modseq, content_id, internal_date, size) VALUES
    (1, 1, 1, 1, 1, 1000, 5), (2, 2, 1, 2, 1, 2000, 5), (3, 1, 2, 3, 2, 3000, 5), (4, 3, 1, 1, 1, 4000, 5)`,
];

type Migrated = { messages: { id: number; save: number; email: string }[]; boxes: string[] };

function check(m: Migrated): void {
  assert.deepEqual(m.messages.map((r) => [r.id, r.save]), [[1, 1000], [2, 2000], [3, 3000], [4, 4000]], 'save date = internal date');
  const [a, copy, other, bob] = m.messages.map((r) => r.email);
  for (const id of [a, other, bob, ...m.boxes]) assert.match(id!, /^[EM][0-9a-f]{32}$/);
  assert.equal(copy, a, 'the copy in the same account shares the EMAILID');
  assert.notEqual(other, a);
  assert.notEqual(bob, a, 'another account has its own');
  assert.equal(new Set(m.boxes).size, 3, 'every mailbox its own MAILBOXID');
}

test('SQLite migration 0090 gives existing rows save dates, MAILBOXIDs and EMAILIDs', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-migrate-ids-'));
  try {
    const db = openDatabase(dir);
    const all = readMigrations();
    applyMigrations(db, 1, all.filter((m) => m.version < SQLITE_VERSION));
    for (const s of SEED) db.exec(s);
    assert.ok(applyMigrations(db, 2, all).some((m) => m.version === SQLITE_VERSION));
    check({
      messages: db.prepare('SELECT id, save_date AS save, email_id AS email FROM messages ORDER BY id').all() as Migrated['messages'],
      boxes: db.prepare('SELECT object_id FROM mailboxes ORDER BY id').pluck().all() as string[],
    });
    db.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('[postgres] PostgreSQL migration 0012 gives existing rows save dates, MAILBOXIDs and EMAILIDs', async (t) => {
  const url = await (await postgresServer()).freshDatabase();
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  t.after(() => sql.end({ timeout: 5 }));
  const all = readPgMigrations();
  await applyPgMigrations(sql, 1, all.filter((m) => m.version < PG_VERSION));
  for (const s of SEED) await sql.unsafe(s);
  assert.ok((await applyPgMigrations(sql, 2, all)).some((m) => m.version === PG_VERSION));
  check({
    messages: (await sql<{ id: number; save: number; email: string }[]>`SELECT id::int, save_date::int AS save, email_id AS email FROM messages ORDER BY id`).map((r) => ({ ...r })),
    boxes: (await sql<{ object_id: string }[]>`SELECT object_id FROM mailboxes ORDER BY id`).map((r) => r.object_id),
  });
});
