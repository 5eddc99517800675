// The database side of backup and restore. What must always be true: a backup is a consistent
// snapshot taken through SQLite's online backup API (never a file copy of a live WAL database);
// the whole copy runs inside ONE read transaction on its own connection, so writers that commit
// meanwhile neither block it nor restart it (in WAL mode a reader never blocks a writer), and the
// counts in the manifest are read in that same snapshot. The copy is a self-contained file
// (journal_mode=DELETE: no -wal beside it). Restoring never leaves an old -wal next to a new file.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DATABASE_FILE, openDatabase, type Db } from './open.ts';
import { pendingMigrations, schemaVersion } from './migrate.ts';
import { readMigrations } from '../migrations.ts';

/** Pages copied per backup step: 1024 pages of 32 KiB is 32 MiB between progress reports. */
const PAGES_PER_STEP = 1024;

export interface StoreCounts { domains: number; accounts: number; mailboxes: number; messages: number; contents: number }

export interface SnapshotResult { schemaVersion: number; counts: StoreCounts; pages: number }

export function databaseFile(dataDir: string): string {
  return path.join(dataDir, DATABASE_FILE);
}

export function storeCounts(db: Db): StoreCounts {
  const n = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  return { domains: n('domains'), accounts: n('accounts'), mailboxes: n('mailboxes'), messages: n('messages'), contents: n('contents') };
}

/**
 * Copies the database `sourceFile` (live or not) to `destFile`, which must not exist yet.
 * `onProgress` gets pages done and the total after every step.
 */
export async function snapshotDatabase(sourceFile: string, destFile: string, onProgress?: (done: number, total: number) => void): Promise<SnapshotResult> {
  if (fs.existsSync(destFile)) throw new Error(`${destFile} already exists`);
  const db = new Database(sourceFile, { fileMustExist: true });
  let pages = 0;
  let version: number;
  let counts: StoreCounts;
  try {
    db.pragma('busy_timeout = 5000');
    // The read transaction that pins the snapshot: the backup steps read through it, so pages
    // committed by the server after this point are not seen and do not restart the copy.
    db.exec('BEGIN');
    version = schemaVersion(db);
    counts = storeCounts(db);
    const result = await db.backup(destFile, {
      progress: ({ totalPages, remainingPages }) => {
        onProgress?.(totalPages - remainingPages, totalPages);
        return PAGES_PER_STEP;
      },
    });
    pages = result.totalPages;
    onProgress?.(pages, pages);
    db.exec('COMMIT');
  } finally {
    db.close();
  }
  const copy = new Database(destFile, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
  fs.chmodSync(destFile, 0o600);
  fsyncFile(destFile);
  return { schemaVersion: version, counts, pages };
}

/** Names of the migrations an existing database still needs; none for a new data_dir. */
export function pendingMigrationNames(dataDir: string, migrationsDir?: string): string[] {
  const file = databaseFile(dataDir);
  if (!fs.existsSync(file)) return [];
  const db = new Database(file, { fileMustExist: true });
  try {
    if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get()) return [];
    return pendingMigrations(db, readMigrations(migrationsDir)).map((m) => m.name);
  } finally {
    db.close();
  }
}

/** A backup's database, opened so nothing can change it. */
export function openReadOnly(file: string): Db {
  return new Database(file, { readonly: true, fileMustExist: true });
}

/** Schema version and counts of a database file, read without changing it. */
export function describeDatabase(file: string): SnapshotResult {
  const db = openReadOnly(file);
  try {
    return { schemaVersion: schemaVersion(db), counts: storeCounts(db), pages: db.pragma('page_count', { simple: true }) as number };
  } finally {
    db.close();
  }
}

/**
 * True while another connection (a running server, another command) has the database open. Leaving
 * WAL mode needs the only connection; SQLite refuses it with SQLITE_BUSY, or leaves the mode at
 * "wal", when any other connection holds the file. The database is put back into WAL mode.
 */
export function databaseInUse(dataDir: string): boolean {
  const file = databaseFile(dataDir);
  if (!fs.existsSync(file)) return false;
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 0');
    let mode: unknown;
    try {
      mode = db.pragma('journal_mode = DELETE', { simple: true });
    } catch (err) {
      if ((err as { code?: string }).code?.startsWith('SQLITE_BUSY')) return true;
      throw err;
    }
    if (mode !== 'delete') return true;
    db.pragma('journal_mode = WAL');
    return false;
  } finally {
    db.close();
  }
}

/**
 * Puts the database file `backupFile` in place as dataDir's database: copied beside it first, then
 * renamed over it after any -wal and -shm of the database it replaces are gone (an old WAL replayed
 * onto the restored file would corrupt it). The caller has made sure no server uses dataDir.
 */
export function installDatabase(backupFile: string, dataDir: string): void {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const target = databaseFile(dataDir);
  const staging = `${target}.restoring`;
  fs.rmSync(staging, { force: true });
  fs.copyFileSync(backupFile, staging);
  fs.chmodSync(staging, 0o600);
  fsyncFile(staging);
  for (const suffix of ['-wal', '-shm', '-journal']) fs.rmSync(target + suffix, { force: true });
  fs.renameSync(staging, target);
  fsyncDir(dataDir);
  // Back to WAL with Postern's pragmas, as every server connection expects.
  openDatabase(dataDir).close();
}

function fsyncFile(file: string): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
