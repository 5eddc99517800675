// The two engines' schemas side by side: PostgreSQL's migrations (migrations/postgres/) are written
// by hand to mirror SQLite's (migrations/), so a column added to one and forgotten in the other, or
// NOT NULL on one side only, would show only when that code path runs on the other engine. Both are
// migrated fresh here and every table's columns and their nullability compared, name by name; the
// one intended difference is listed with why. The catalogs are read by SQL on purpose: this checks
// the migrations, not the store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import postgres from 'postgres';
import { openTestStore } from '../../store/engines.ts';
import type { SqliteStore } from '../../../src/store/sqlite/store.ts';
import type { PgStore } from '../../../src/store/postgres/store.ts';

/** SQLite's FTS5 index (search_fts, the shadow tables FTS5 makes for it, and the rows waiting for
 *  it, migrations/0102); PostgreSQL narrows searches with pg_trgm indexes on the contents table
 *  instead (migrations/postgres/0001). */
const SQLITE_ONLY = /^search_fts(_config|_data|_docsize|_idx|_pending)?$/;

test('[postgres] both engines migrate to the same tables, columns and NOT NULLs', async (t) => {
  const lite = await openTestStore('sqlite', t) as SqliteStore;
  const pg = await openTestStore('postgres', t) as PgStore;
  const fromSqlite: string[] = [];
  const tables = lite.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
  for (const table of tables.filter((x) => !SQLITE_ONLY.test(x))) {
    for (const c of lite.db.prepare('SELECT name, "notnull" AS nn, pk FROM pragma_table_info(?)').all(table) as { name: string; nn: number; pk: number }[]) {
      // A primary key column is NOT NULL in PostgreSQL whatever it says; in SQLite an INTEGER
      // PRIMARY KEY is the rowid, never null either.
      fromSqlite.push(`${table}.${c.name}${c.nn || c.pk ? ' NOT NULL' : ''}`);
    }
  }
  const admin = postgres(pg.url, { max: 1, onnotice: () => {} });
  t.after(() => admin.end({ timeout: 5 }));
  const fromPostgres = (await admin<{ table: string; column: string; nullable: string }[]>`SELECT table_name AS table, column_name AS column, is_nullable AS nullable
      FROM information_schema.columns WHERE table_schema = 'public'`).map((r) => `${r.table}.${r.column}${r.nullable === 'NO' ? ' NOT NULL' : ''}`);
  assert.ok(fromSqlite.length > 100, 'the whole schema was read');
  assert.ok(tables.some((x) => SQLITE_ONLY.test(x)), 'the listed difference still exists');
  assert.deepEqual(fromPostgres.sort(), fromSqlite.sort());
});
