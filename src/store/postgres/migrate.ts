// Migrations for the PostgreSQL engine: migrations/postgres/NNNN_description.sql, applied as
// SQLite's are (src/store/sqlite/migrate.ts): all pending ones in one transaction, recorded in
// schema_migrations, and a database with a migration this code does not know is refused. Several
// nodes may start at once: an advisory lock lets exactly one apply them while the others wait.
import { fileURLToPath } from 'node:url';
import { readMigrations, SchemaTooNewError, MigrationFailedError, type Migration } from '../migrations.ts';
import type { Sql } from './connect.ts';

export const PG_MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations/postgres/', import.meta.url));

/** The advisory lock key migrations hold (any constant; "postern" in ASCII). */
const MIGRATION_LOCK = 0x706f7374;

export function readPgMigrations(dir = PG_MIGRATIONS_DIR): Migration[] {
  return readMigrations(dir);
}

async function appliedVersions(sql: Sql): Promise<number[]> {
  const [exists] = await sql`SELECT to_regclass('schema_migrations') AS t`;
  if (!exists?.t) return [];
  return (await sql`SELECT version FROM schema_migrations ORDER BY version`).map((r) => Number(r.version));
}

function pendingOf(applied: number[], migrations: Migration[]): Migration[] {
  const known = new Set(migrations.map((m) => m.version));
  const unknown = applied.filter((v) => !known.has(v));
  if (unknown.length > 0) {
    throw new SchemaTooNewError(`the database has migration ${Math.max(...unknown)}, newer than this version of Postern knows (latest ${Math.max(0, ...known)}); upgrade Postern or use a backup of the database`);
  }
  const done = new Set(applied);
  return migrations.filter((m) => !done.has(m.version));
}

export async function pendingPgMigrations(sql: Sql, migrations = readPgMigrations()): Promise<Migration[]> {
  return pendingOf(await appliedVersions(sql), migrations);
}

/** The schema version: the highest applied migration (0 when none). */
export async function pgSchemaVersion(sql: Sql): Promise<number> {
  return Math.max(0, ...await appliedVersions(sql));
}

export async function applyPgMigrations(sql: Sql, now: number, migrations = readPgMigrations()): Promise<Migration[]> {
  return sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`;
    await tx`CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`;
    const pending = pendingOf((await tx`SELECT version FROM schema_migrations ORDER BY version`).map((r) => Number(r.version)), migrations);
    for (const m of pending) {
      try {
        await tx.unsafe(m.sql);
      } catch (err) {
        throw new MigrationFailedError(m, err);
      }
      await tx`INSERT INTO schema_migrations (version, name, applied_at) VALUES (${m.version}, ${m.name}, ${now})`;
    }
    return pending;
  }) as Promise<Migration[]>;
}
