// `postern verify`'s checks, in the order an operator reads them: SQLite's own, then Postern's
// invariants (src/store/sqlite/verify.ts), the MIME trees and DKIM keys that need code rather than SQL, and
// for a backup its files against the manifest. What must always be true: nothing is changed (the
// database is opened read-only, and every check runs in one read transaction, so a live server's
// commits never make two checks disagree); every check yields exactly one line; a check that
// throws is a failed check, never a crash that hides the ones after it.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { openReadOnly } from '../store/sqlite/backup.ts';
import { StoreVerifier, type Finding, type StoredDkimKey } from '../store/sqlite/verify.ts';
import { DATABASE_FILE } from '../store/sqlite/open.ts';
import { decodeTree } from '../mime/tree-codec.ts';
import type { MimePart } from '../mime/types.ts';
import { manifestMismatches, readManifest } from './manifest.ts';

export interface CheckLine { name: string; ok: boolean; detail: string }

/** MIME trees decoded per query page. */
const TREE_PAGE = 1000;

export const CHECK_NAMES = {
  manifest: 'backup files match manifest',
  integrity: 'sqlite integrity_check',
  foreignKeys: 'sqlite foreign_key_check',
  contents: 'every message has its content',
  chunks: 'content chunks and sizes',
  refcounts: 'content reference counts',
  uids: 'uids below uid_next and unique',
  modseqs: 'modseqs within account counter',
  orphans: 'no orphaned contents or queue rows',
  mime: 'stored MIME trees decode',
  dkim: 'dkim keys parse',
} as const;

/** Checks the database file `file` (a live store or a backup's copy). */
export function verifyDatabase(file: string, onCheck?: (line: CheckLine) => void): CheckLine[] {
  const lines: CheckLine[] = [];
  const emit = (line: CheckLine) => {
    lines.push(line);
    onCheck?.(line);
  };
  let db;
  try {
    db = openReadOnly(file);
  } catch (err) {
    emit({ name: CHECK_NAMES.integrity, ok: false, detail: `cannot open ${file}: ${(err as Error).message}` });
    return lines;
  }
  try {
    const v = new StoreVerifier(db);
    db.exec('BEGIN');
    const sqlChecks: [string, () => Finding][] = [
      [CHECK_NAMES.integrity, () => v.integrity()],
      [CHECK_NAMES.foreignKeys, () => v.foreignKeys()],
      [CHECK_NAMES.contents, () => v.contentsExist()],
      [CHECK_NAMES.chunks, () => v.chunks()],
      [CHECK_NAMES.refcounts, () => v.refcounts()],
      [CHECK_NAMES.uids, () => v.uids()],
      [CHECK_NAMES.modseqs, () => v.modseqs()],
      [CHECK_NAMES.orphans, () => v.orphans()],
      [CHECK_NAMES.mime, () => mimeTrees(v)],
      [CHECK_NAMES.dkim, () => dkimKeys(v.dkimKeys())],
    ];
    for (const [name, run] of sqlChecks) emit(lineOf(name, run));
    db.exec('COMMIT');
  } finally {
    db.close();
  }
  return lines;
}

/** Checks a backup directory: its files against the manifest, then its database. */
export async function verifyBackup(dir: string, onCheck?: (line: CheckLine) => void): Promise<CheckLine[]> {
  let manifestLine: CheckLine;
  try {
    const problems = await manifestMismatches(dir, readManifest(dir));
    manifestLine = problems.length === 0
      ? { name: CHECK_NAMES.manifest, ok: true, detail: '' }
      : { name: CHECK_NAMES.manifest, ok: false, detail: summarize({ sample: problems.slice(0, 5), count: problems.length }) };
  } catch (err) {
    manifestLine = { name: CHECK_NAMES.manifest, ok: false, detail: (err as Error).message };
  }
  onCheck?.(manifestLine);
  const db = path.join(dir, DATABASE_FILE);
  if (!fs.existsSync(db)) {
    const missing = { name: CHECK_NAMES.integrity, ok: false, detail: `${db} is missing` };
    onCheck?.(missing);
    return [manifestLine, missing];
  }
  return [manifestLine, ...verifyDatabase(db, onCheck)];
}

export function formatLine(line: CheckLine): string {
  return `${line.ok ? 'ok  ' : 'FAIL'}  ${line.name}${line.detail ? `: ${line.detail}` : ''}`;
}

function lineOf(name: string, run: () => Finding): CheckLine {
  try {
    const finding = run();
    return { name, ok: finding.count === 0, detail: finding.count === 0 ? '' : summarize(finding) };
  } catch (err) {
    return { name, ok: false, detail: `the check failed: ${(err as Error).message}` };
  }
}

function summarize(f: Finding): string {
  return `${f.count} problem(s): ${f.sample.join('; ')}${f.count > f.sample.length ? '; …' : ''}`;
}

/** Every stored tree decodes, and its parts' offsets nest inside the message and their parents. */
function mimeTrees(v: StoreVerifier): Finding {
  const bad: string[] = [];
  let count = 0;
  for (let page = v.mimeTrees(0, TREE_PAGE); page.length > 0; page = v.mimeTrees(page.at(-1)!.id, TREE_PAGE)) {
    for (const row of page) {
      let problem: string | null;
      try {
        problem = treeProblem(decodeTree(row.mimeTree), 0, row.size);
      } catch (err) {
        problem = `does not decode (${(err as Error).message})`;
      }
      if (problem) {
        count++;
        if (bad.length < 5) bad.push(`content ${row.id}: ${problem}`);
      }
    }
  }
  return { sample: bad, count };
}

function treeProblem(part: MimePart, start: number, end: number): string | null {
  if (!(start <= part.headerStart && part.headerStart <= part.bodyStart && part.bodyStart <= part.end && part.end <= end)) {
    return `part offsets ${part.headerStart}/${part.bodyStart}/${part.end} outside ${start}..${end}`;
  }
  for (const child of part.children) {
    const p = treeProblem(child, part.bodyStart, part.end);
    if (p) return p;
  }
  return part.message ? treeProblem(part.message, part.bodyStart, part.end) : null;
}

/**
 * Each private key parses, is of its algorithm's type, and yields exactly the public key stored for
 * `dns records` to publish (RFC 6376 §3.6.1: SPKI for RSA; RFC 8463 §4.2: the bare Ed25519 key).
 */
function dkimKeys(keys: StoredDkimKey[]): Finding {
  const bad: string[] = [];
  for (const k of keys) {
    const where = `${k.selector}._domainkey.${k.domain}`;
    try {
      if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i.test(k.selector)) {
        bad.push(`${where}: selector is not a DNS name`);
        continue;
      }
      const key = crypto.createPrivateKey(k.privateKey);
      const type = k.algorithm === 'rsa-sha256' ? 'rsa' : 'ed25519';
      if (key.asymmetricKeyType !== type) {
        bad.push(`${where}: a ${key.asymmetricKeyType} key for ${k.algorithm}`);
        continue;
      }
      const spki = crypto.createPublicKey(key).export({ type: 'spki', format: 'der' });
      const published = (type === 'rsa' ? spki : spki.subarray(-32)).toString('base64');
      if (published !== k.publicKey) bad.push(`${where}: the stored public key is not the private key's`);
    } catch (err) {
      bad.push(`${where}: ${(err as Error).message}`);
    }
  }
  return { sample: bad.slice(0, 5), count: bad.length };
}
