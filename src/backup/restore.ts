// Restoring a backup into a data_dir. What must always be true: the backup is verified in full
// before anything is written; a data_dir a server (or any other connection) has open is refused; a
// non-empty data_dir is refused unless forced; a backup from a newer schema than this code knows is
// refused (the code could not serve it); the database goes in place whole or not at all. Into a
// PostgreSQL store, the backup's SQLite file is first brought to this code's schema in a temporary
// folder, then copied into the (empty) database in one transaction and verified (src/store/engines/copy.ts).
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { databaseInUse, installDatabase } from '../store/sqlite/backup.ts';
import type { PostgresSettings } from '../store/postgres/connect.ts';
import { readMigrations } from '../store/migrations.ts';
import { DATABASE_FILE } from '../store/sqlite/open.ts';
import { datedBackups } from './create.ts';
import { MANIFEST_FILE, readManifest, type Manifest } from './manifest.ts';
import { formatLine, verifyBackup, type CheckLine } from './verify.ts';

export class RestoreError extends Error {}

export interface RestoreResult { from: string; manifest: Manifest; files: string[] }

/** A backup directory itself, or the newest complete backup in a directory of dated ones. */
export function resolveBackupDir(dir: string): string {
  const abs = path.resolve(dir);
  if (fs.existsSync(path.join(abs, MANIFEST_FILE))) return abs;
  const newest = datedBackups(abs).at(-1);
  if (newest) return newest;
  throw new RestoreError(`${abs} is not a Postern backup (no ${MANIFEST_FILE}) and holds none`);
}

export interface RestoreOptions {
  force: boolean;
  onCheck?: (line: CheckLine) => void;
  /** Restore into this PostgreSQL database (which must be empty) instead of data_dir's SQLite file. */
  postgres?: PostgresSettings;
}

export async function restoreBackup(dir: string, dataDir: string, options: RestoreOptions): Promise<RestoreResult> {
  const from = resolveBackupDir(dir);
  const lines = await verifyBackup(from, options.onCheck);
  const failed = lines.filter((l) => !l.ok);
  if (failed.length > 0) throw new RestoreError(`the backup in ${from} does not verify; nothing was restored:\n${failed.map(formatLine).join('\n')}`);
  const manifest = readManifest(from);
  const latest = Math.max(0, ...readMigrations().map((m) => m.version));
  if (manifest.schema_version > latest) {
    throw new RestoreError(`the backup has schema ${manifest.schema_version}, newer than this version of Postern knows (${latest}); restore it with Postern ${manifest.postern_version} or later`);
  }
  const present = fs.existsSync(dataDir) ? fs.readdirSync(dataDir) : [];
  if (present.length > 0 && !options.force) throw new RestoreError(`${dataDir} is not empty; restore into an empty data_dir, or add --force to replace its database and files`);
  if (options.postgres) {
    await restoreIntoPostgres(path.join(from, DATABASE_FILE), options.postgres);
  } else {
    if (databaseInUse(dataDir)) throw new RestoreError(`the database in ${dataDir} is in use (is "postern serve" running?); stop the server first`);
    installDatabase(path.join(from, DATABASE_FILE), dataDir);
  }
  const files: string[] = [DATABASE_FILE];
  const data = path.join(from, 'data');
  for (const f of manifest.files.filter((x) => x.path.startsWith('data/'))) {
    const rel = f.path.slice('data/'.length);
    const target = path.join(dataDir, rel);
    fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
    fs.copyFileSync(path.join(data, rel), target);
    fs.chmodSync(target, 0o600);
    files.push(rel);
  }
  return { from, manifest, files };
}

/** The backup's database, migrated to this code's schema in a temporary folder, copied into PostgreSQL. */
async function restoreIntoPostgres(backupFile: string, settings: PostgresSettings): Promise<void> {
  // Loaded only for PostgreSQL: a SQLite restore copies one file and needs neither engine.
  const [{ copyStore, StoreCopyError }, { openStore }] = await Promise.all([import('../store/engines/copy.ts'), import('../store/sqlite/store.ts')]);
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-restore-'));
  try {
    installDatabase(backupFile, staging);
    await openStore(staging, { clock: { now: () => Date.now() }, migrate: true }).close();
    await copyStore({ engine: 'sqlite', dataDir: staging }, { engine: 'postgres', settings });
  } catch (err) {
    if (err instanceof StoreCopyError) throw new RestoreError(`${err.message}; nothing was restored (restore into a new, empty database)`);
    throw err;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}
