// `postern verify [DIR]`: checks the live store, or the backup in DIR, without changing it, one
// line per check (src/backup/verify.ts). Exit 0 only when every check holds, so cron can run it.
// A live PostgreSQL store is checked as its backup would be: copied from one READ ONLY snapshot
// into a temporary SQLite file (src/store/engines/copy.ts, itself verified row for row), which the same
// invariant checks then read.
import fs from 'node:fs';
import { VERIFY_USAGE } from './usage.ts';
import { expectPositionals, parseArgs } from './args.ts';
import { configFor, postgresOf } from './context.ts';
import os from 'node:os';
import path from 'node:path';
import { OperationError } from './errors.ts';
import type { Output } from './output.ts';
import { databaseFile } from '../store/sqlite/backup.ts';
import { formatLine, verifyBackup, verifyDatabase, type CheckLine } from '../backup/verify.ts';
import { resolveBackupDir, RestoreError } from '../backup/restore.ts';

export async function verifyCommand(argv: string[], o: Output): Promise<void> {
  const args = parseArgs(argv);
  const [dir] = expectPositionals(args, 0, 1, VERIFY_USAGE);
  const print = o.json ? undefined : (line: CheckLine) => o.out(formatLine(line));
  let lines: CheckLine[];
  let what: string;
  if (dir !== undefined) {
    try {
      what = resolveBackupDir(dir);
    } catch (err) {
      if (err instanceof RestoreError) throw new OperationError(err.message);
      throw err;
    }
    lines = await verifyBackup(what, print);
  } else if (configFor(args).store.engine === 'postgres') {
    const { postgres } = postgresOf(configFor(args));
    what = new URL(postgres!.url).host + new URL(postgres!.url).pathname;
    const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-verify-'));
    try {
      // Loaded only here: a SQLite store or a backup is checked without the engines or the pg client.
      const { copyStore } = await import('../store/engines/copy.ts');
      await copyStore({ engine: 'postgres', settings: postgres! }, { engine: 'sqlite', dataDir: staging });
      lines = verifyDatabase(databaseFile(staging), print);
    } finally {
      fs.rmSync(staging, { recursive: true, force: true });
    }
  } else {
    what = databaseFile(configFor(args).data_dir);
    if (!fs.existsSync(what)) throw new OperationError(`there is no database at ${what}`);
    lines = verifyDatabase(what, print);
  }
  if (o.json) o.out(JSON.stringify({ verified: what, ok: lines.every((l) => l.ok), checks: lines }, null, 2));
  const failed = lines.filter((l) => !l.ok).length;
  if (failed > 0) throw new OperationError(`${failed} of ${lines.length} checks failed for ${what}`);
  if (!o.json) o.out(`All ${lines.length} checks hold for ${what}.`);
}
