// The migrations runner: migrations/NNNN_description.sql, applied in order and recorded in
// schema_migrations, all pending ones in ONE transaction: a migration that fails part-way leaves the
// database exactly as it was before the upgrade began, never half upgraded. A database that has a migration this code does
// not know is newer than the code: refuse it rather than run on a schema we do not understand.
import type { Db } from './open.ts';
import { SchemaTooNewError, MigrationFailedError, readMigrations, type Migration } from '../migrations.ts';

/** The schema version of a database: its highest applied migration (0 when none). */
export function schemaVersion(db: Db): number {
  // Read-only (a backup is opened read-only): no CREATE TABLE IF NOT EXISTS here.
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (!exists) return 0;
  return (db.prepare('SELECT coalesce(max(version), 0) AS v FROM schema_migrations').get() as { v: number }).v;
}

export function appliedVersions(db: Db): number[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  return (db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[]).map((r) => r.version);
}

/** Pending migrations, or SchemaTooNewError when the database knows one we don't. */
export function pendingMigrations(db: Db, migrations = readMigrations()): Migration[] {
  const applied = new Set(appliedVersions(db));
  const known = new Set(migrations.map((m) => m.version));
  const unknown = [...applied].filter((v) => !known.has(v));
  if (unknown.length > 0) {
    throw new SchemaTooNewError(`the database has migration ${Math.max(...unknown)}, newer than this version of Postern knows (latest ${Math.max(0, ...known)}); upgrade Postern or use a backup of the database`);
  }
  return migrations.filter((m) => !applied.has(m.version));
}

export function applyMigrations(db: Db, now: number, migrations = readMigrations()): Migration[] {
  const pending = pendingMigrations(db, migrations);
  db.transaction(() => {
    for (const m of pending) {
      try {
        db.exec(m.sql);
      } catch (err) {
        throw new MigrationFailedError(m, err);
      }
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, now);
    }
  })();
  return pending;
}
