// Schema migrations as both engines read them: numbered .sql files (migrations/ for SQLite,
// migrations/postgres/ for PostgreSQL), and the refusals. Always true: migrations only go forward,
// a store whose schema is newer than this build refuses to open (SchemaTooNewError), and a
// store with pending migrations refuses to open unless asked to migrate (PendingMigrationsError).
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

export interface Migration { version: number; name: string; sql: string }

export class SchemaTooNewError extends Error {}

/** A migration's SQL failed; the whole upgrade was rolled back. */
export class MigrationFailedError extends Error {
  readonly migration: Migration;
  constructor(migration: Migration, cause: unknown) {
    super(`migration ${migration.name} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.migration = migration;
  }
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return fs.readdirSync(dir)
    .filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 4)), name: f.replace(/\.sql$/, ''), sql: fs.readFileSync(`${dir}/${f}`, 'utf8') }));
}

export class PendingMigrationsError extends Error {}
