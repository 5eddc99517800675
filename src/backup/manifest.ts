// A backup's manifest (manifest.json): what was backed up, from which Postern and schema, when, how
// much mail, and a SHA-256 of every file, so `verify` can prove the files are the ones written.
// What must always be true: the manifest is written last (a directory without one is not a backup),
// lists every file of the backup but itself, and paths are relative to the backup directory.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { StoreCounts } from '../store/sqlite/backup.ts';

export const MANIFEST_FILE = 'manifest.json';

/** The format of this manifest; a reader refuses one it does not know. */
export const MANIFEST_FORMAT = 1;

export interface ManifestFile { path: string; size: number; sha256: string }

export interface Manifest {
  format: number;
  postern_version: string;
  /** The engine backed up. The backup's database is a SQLite file either way (a PostgreSQL store is
   *  copied into one by src/store/engines/copy.ts), so verify and restore read every backup alike. */
  engine: 'sqlite' | 'postgres';
  schema_version: number;
  created_at: string;
  /** Why it was taken: "manual" or "before migration NNNN_name". */
  reason: string;
  counts: StoreCounts;
  /** Where the files came from, to say where a restore puts them. */
  source: { data_dir: string; config: string | null; tls_cert: string | null; tls_key: string | null };
  files: ManifestFile[];
}

export function posternVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Bytes read per call when hashing: large enough that system calls cost nothing next to SHA-256. */
const HASH_READ_BYTES = 4 << 20;

/** SHA-256 of a file, hex. Two buffers in turn: the next read runs on the thread pool while this
 *  one is hashed, and the memory used is the same whatever the file's size. */
export async function hashFile(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  const handle = await fs.promises.open(file, 'r');
  try {
    const buffers = [Buffer.allocUnsafe(HASH_READ_BYTES), Buffer.allocUnsafe(HASH_READ_BYTES)];
    let turn = 0;
    let reading = handle.read(buffers[0]!, 0, HASH_READ_BYTES, null);
    for (;;) {
      const { bytesRead, buffer } = await reading;
      if (bytesRead === 0) break;
      turn ^= 1;
      reading = handle.read(buffers[turn]!, 0, HASH_READ_BYTES, null);
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

/** Every regular file under dir, as sorted '/'-separated relative paths. */
export function listFiles(dir: string, under = ''): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(dir, under), { withFileTypes: true })) {
    const rel = under ? `${under}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listFiles(dir, rel));
    else if (entry.isFile()) out.push(rel);
  }
  return out.sort();
}

/** Size and SHA-256 of each file; `hashed` holds hashes already computed (by path), not read again. */
export async function describeFiles(dir: string, files: string[], hashed: ReadonlyMap<string, string> = new Map()): Promise<ManifestFile[]> {
  const out: ManifestFile[] = [];
  for (const rel of files) {
    const file = path.join(dir, rel);
    out.push({ path: rel, size: fs.statSync(file).size, sha256: hashed.get(rel) ?? await hashFile(file) });
  }
  return out;
}

export function writeManifest(dir: string, manifest: Manifest): void {
  const file = path.join(dir, MANIFEST_FILE);
  fs.writeFileSync(file, JSON.stringify(manifest, null, 2) + '\n', { mode: 0o600 });
  const fd = fs.openSync(file, 'r+');
  fs.fsyncSync(fd);
  fs.closeSync(fd);
}

export class ManifestError extends Error {}

export function readManifest(dir: string): Manifest {
  const file = path.join(dir, MANIFEST_FILE);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
  } catch (err) {
    throw new ManifestError(`${dir} is not a Postern backup: ${MANIFEST_FILE} ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'is missing' : 'cannot be read'}`);
  }
  if (manifest.format !== MANIFEST_FORMAT || !Array.isArray(manifest.files)) throw new ManifestError(`${file}: unknown manifest format ${String(manifest.format)}`);
  return manifest;
}

/** Differences between the files in dir and its manifest; empty when every file matches. */
export async function manifestMismatches(dir: string, manifest: Manifest): Promise<string[]> {
  const problems: string[] = [];
  const listed = new Set(manifest.files.map((f) => f.path));
  for (const f of manifest.files) {
    const file = path.join(dir, f.path);
    if (!fs.existsSync(file)) {
      problems.push(`${f.path} is missing`);
      continue;
    }
    const size = fs.statSync(file).size;
    if (size !== f.size) problems.push(`${f.path} is ${size} bytes, the manifest says ${f.size}`);
    else if ((await hashFile(file)) !== f.sha256) problems.push(`${f.path} does not match its SHA-256`);
  }
  for (const rel of listFiles(dir)) if (rel !== MANIFEST_FILE && !listed.has(rel)) problems.push(`${rel} is not in the manifest`);
  return problems;
}
