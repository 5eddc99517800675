// Taking a backup: the database as a consistent online snapshot (src/store/sqlite/backup.ts; a PostgreSQL
// store is copied from one READ ONLY snapshot into a SQLite file by src/store/engines/copy.ts), the other
// files of data_dir (self-signed and ACME certificates and keys; DKIM keys live in the database),
// the config file and any certificate it names, then the manifest. What must always be true: the
// backup is assembled in DIR.partial and renamed to DIR only once complete, so a directory with a
// manifest is always a whole backup; the live database is never copied as a file; with `keep`,
// only complete dated backups are counted and the oldest beyond it removed.
import fs from 'node:fs';
import path from 'node:path';
import { DATABASE_FILE } from '../store/sqlite/open.ts';
import { databaseFile, describeDatabase, snapshotDatabase, type SnapshotResult } from '../store/sqlite/backup.ts';
import type { PostgresSettings } from '../store/postgres/connect.ts';
import { describeFiles, hashFile, listFiles, MANIFEST_FILE, MANIFEST_FORMAT, posternVersion, readManifest, writeManifest, type Manifest } from './manifest.ts';

/** Name of the folder in data_dir that holds the automatic backups taken before a migration. */
export const AUTOMATIC_BACKUPS_DIR = 'backups';

/** Automatic backups kept before migrations: enough to step back over a few upgrades. */
export const AUTOMATIC_BACKUPS_KEPT = 3;

/** Backup folder names: `postern-` and the UTC time, which also sorts them oldest first. */
const DATED = /^postern-\d{8}T\d{6}Z(-\d+)?$/;

export interface BackupSource {
  dataDir: string;
  configFile: string | null;
  tlsCert?: string;
  tlsKey?: string;
  /** The PostgreSQL store to back up; absent: the SQLite file in dataDir. */
  postgres?: PostgresSettings;
}

export interface BackupOptions {
  reason?: string;
  now?: Date;
  onProgress?: (pagesDone: number, pagesTotal: number) => void;
}

export interface BackupResult { dir: string; manifest: Manifest; removed: string[] }

/** Writes a backup into `dest`, which must not exist or be empty. */
export async function createBackup(source: BackupSource, dest: string, options: BackupOptions = {}): Promise<BackupResult> {
  const target = path.resolve(dest);
  if (fs.existsSync(target) && fs.readdirSync(target).length > 0) throw new BackupError(`${target} is not empty; back up into a new folder, or use --keep N to keep dated backups inside it`);
  const partial = `${target}.partial`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial, { recursive: true, mode: 0o700 });
  try {
    const snapshot = await snapshotOf(source, partial, options.onProgress);
    // The database is hashed while its fsync runs: one read of a file still in the page cache,
    // overlapping the one wait for the disk, instead of the two in a row.
    const database = path.join(partial, DATABASE_FILE);
    const [databaseHash] = await Promise.all([hashFile(database), snapshot.durable]);
    copyDataFiles(source.dataDir, path.join(partial, 'data'), [partial, target]);
    const copied = copyConfigFiles(source, path.join(partial, 'config'));
    const manifest: Manifest = {
      format: MANIFEST_FORMAT,
      postern_version: posternVersion(),
      engine: source.postgres ? 'postgres' : 'sqlite',
      schema_version: snapshot.schemaVersion,
      created_at: (options.now ?? new Date()).toISOString(),
      reason: options.reason ?? 'manual',
      counts: snapshot.counts,
      source: { data_dir: path.resolve(source.dataDir), config: copied.config, tls_cert: copied.cert, tls_key: copied.key },
      files: await describeFiles(partial, listFiles(partial), new Map([[DATABASE_FILE, databaseHash]])),
    };
    writeManifest(partial, manifest);
    if (fs.existsSync(target)) fs.rmdirSync(target);
    fs.renameSync(partial, target);
    return { dir: target, manifest, removed: [] };
  } catch (err) {
    fs.rmSync(partial, { recursive: true, force: true });
    throw err;
  }
}

/** A new dated backup inside `parent`, then the oldest complete ones beyond `keep` removed. */
export async function createDatedBackup(source: BackupSource, parent: string, keep: number, options: BackupOptions = {}): Promise<BackupResult> {
  const now = options.now ?? new Date();
  fs.mkdirSync(parent, { recursive: true, mode: 0o700 });
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  let name = `postern-${stamp}`;
  for (let i = 2; fs.existsSync(path.join(parent, name)); i++) name = `postern-${stamp}-${i}`;
  const result = await createBackup(source, path.join(parent, name), { ...options, now });
  const removed: string[] = [];
  const backups = datedBackups(parent);
  for (const old of backups.slice(0, Math.max(0, backups.length - keep))) {
    fs.rmSync(old, { recursive: true, force: true });
    removed.push(old);
  }
  return { ...result, removed };
}

/** Complete dated backups in `parent`, oldest first. */
export function datedBackups(parent: string): string[] {
  if (!fs.existsSync(parent)) return [];
  return fs.readdirSync(parent)
    .filter((n) => DATED.test(n) && fs.existsSync(path.join(parent, n, MANIFEST_FILE)))
    .sort((a, b) => createdAt(path.join(parent, a)) - createdAt(path.join(parent, b)) || (a < b ? -1 : 1))
    .map((n) => path.join(parent, n));
}

function createdAt(dir: string): number {
  try {
    return Date.parse(readManifest(dir).created_at) || 0;
  } catch {
    return 0;
  }
}

export class BackupError extends Error {}

/** The database of the backup, as DATABASE_FILE in `partial`: SQLite's online snapshot, or every
 *  table of the PostgreSQL store copied (and verified) into a SQLite file. */
async function snapshotOf(source: BackupSource, partial: string, onProgress?: (done: number, total: number) => void): Promise<SnapshotResult & { durable: Promise<void> }> {
  if (source.postgres) {
    // Loaded only for PostgreSQL: a SQLite backup does not need the engines or the pg client.
    const { copyStore } = await import('../store/engines/copy.ts');
    await copyStore({ engine: 'postgres', settings: source.postgres }, { engine: 'sqlite', dataDir: partial }, onProgress ? { onProgress } : {});
    return { ...describeDatabase(path.join(partial, DATABASE_FILE)), durable: Promise.resolve() };
  }
  const db = databaseFile(source.dataDir);
  if (!fs.existsSync(db)) throw new BackupError(`there is no database at ${db}`);
  return snapshotDatabase(db, path.join(partial, DATABASE_FILE), onProgress);
}

/**
 * data_dir's own files, except the database (snapshotted instead), the backups kept in it, and the
 * backup being written when its folder is inside data_dir.
 */
function copyDataFiles(dataDir: string, dest: string, writing: string[]): void {
  // With the PostgreSQL engine data_dir holds only certificates, and may not exist yet.
  if (!fs.existsSync(dataDir)) return;
  const inside = writing.map((w) => path.relative(path.resolve(dataDir), w)).filter((r) => r && !r.startsWith('..') && !path.isAbsolute(r));
  const skip = (rel: string) => rel === AUTOMATIC_BACKUPS_DIR || rel.startsWith(`${AUTOMATIC_BACKUPS_DIR}/`) || rel.startsWith(DATABASE_FILE)
    || inside.some((w) => rel === w || rel.startsWith(`${w}/`));
  for (const rel of listFiles(dataDir).filter((r) => !skip(r))) {
    fs.mkdirSync(path.dirname(path.join(dest, rel)), { recursive: true, mode: 0o700 });
    fs.copyFileSync(path.join(dataDir, rel), path.join(dest, rel));
  }
}

function copyConfigFiles(source: BackupSource, dest: string): { config: string | null; cert: string | null; key: string | null } {
  const copy = (file: string | undefined, as: string): string | null => {
    if (!file || !fs.existsSync(file)) return null;
    fs.mkdirSync(dest, { recursive: true, mode: 0o700 });
    fs.copyFileSync(file, path.join(dest, as));
    return path.resolve(file);
  };
  return {
    config: copy(source.configFile ?? undefined, 'postern.toml'),
    cert: copy(source.tlsCert, 'tls-cert.pem'),
    key: copy(source.tlsKey, 'tls-key.pem'),
  };
}
