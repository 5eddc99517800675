// The database side of backup and restore. What must always be true: a backup is a consistent
// snapshot written by SQLite itself (`VACUUM INTO`: one statement, so one read transaction, on its
// own connection; never a file copy of a live WAL database), so writers that commit meanwhile
// neither block it nor restart it (in WAL mode a reader never blocks a writer), and the schema
// version and counts of the manifest are read from the copy itself, the same moment by construction.
// The copy is a self-contained file (rollback journal mode: no -wal beside it), written without
// fsync and fsynced once when complete: a snapshot is durable only once its `durable` has resolved.
// Restoring never leaves an old -wal next to a new file.
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { DATABASE_FILE, openDatabase, type Db } from './open.ts';
import { pendingMigrations, schemaVersion } from './migrate.ts';
import { readMigrations } from '../migrations.ts';

/** What vacuum-worker.js is given, and its one message. */
interface VacuumJob { sourceFile: string; destFile: string }
interface VacuumMessage { total: number; pageSize: number }

/** How often the progress of a snapshot is read from the size of the growing copy. */
const PROGRESS_MS = 200;

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
 * Copies the database `sourceFile` (live or not) to `destFile`, which must not exist yet, with
 * `VACUUM INTO` on a worker thread. `onProgress` gets pages written and the pages the copy will have.
 * Resolves once the copy is complete and described; its fsync has then started, and `durable`
 * resolves when it is done (the caller hashes the file meanwhile).
 */
export async function snapshotDatabase(sourceFile: string, destFile: string, onProgress?: (done: number, total: number) => void): Promise<SnapshotResult & { durable: Promise<void> }> {
  if (fs.existsSync(destFile)) throw new Error(`${destFile} already exists`);
  await new Promise<void>((resolve, reject) => {
    const worker = new Worker(new URL('./vacuum-worker.js', import.meta.url), { workerData: { sourceFile, destFile } satisfies VacuumJob });
    let size: VacuumMessage | undefined;
    const poll = setInterval(() => {
      if (!size) return;
      const written = fs.statSync(destFile, { throwIfNoEntry: false })?.size ?? 0;
      onProgress?.(Math.min(size.total, Math.floor(written / size.pageSize)), size.total);
    }, PROGRESS_MS);
    worker.on('message', (m: VacuumMessage) => {
      size = m;
      onProgress?.(0, m.total);
    });
    worker.on('error', (err) => {
      clearInterval(poll);
      reject(err);
    });
    worker.on('exit', (code) => {
      clearInterval(poll);
      if (code === 0) resolve();
      else reject(new Error(`the snapshot of ${sourceFile} stopped with exit code ${code}`));
    });
  });
  fs.chmodSync(destFile, 0o600);
  const durable = fsyncFileAsync(destFile);
  // Described while the fsync runs. If describing throws, the caller never awaits `durable`: its
  // failure is then not an unhandled rejection (the caller removes the whole partial backup).
  durable.catch(() => {});
  const described = describeDatabase(destFile);
  onProgress?.(described.pages, described.pages);
  return { ...described, durable };
}

async function fsyncFileAsync(file: string): Promise<void> {
  const handle = await fs.promises.open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
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
