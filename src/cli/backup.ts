// `postern backup DIR [--keep N]`: a consistent copy of the store while the server runs, with the
// files of data_dir, the config and a manifest (src/backup/create.ts). With --keep, DIR holds dated
// backups and the oldest beyond N are removed. Exit 1 when there is nothing to back up or DIR is
// not empty (without --keep).
import { BACKUP_USAGE } from './usage.ts';
import { expectPositionals, flagString, parseArgs } from './args.ts';
import { configFor, postgresOf } from './context.ts';
import { OperationError, UsageError } from './errors.ts';
import { emit, type Output } from './output.ts';
import { createProgress } from './progress.ts';
import { configPath } from '../config/load.ts';
import { BackupError, createBackup, createDatedBackup, type BackupSource } from '../backup/create.ts';

export async function backupCommand(argv: string[], o: Output): Promise<void> {
  const args = parseArgs(argv, { keep: true });
  const [dir] = expectPositionals(args, 1, 1, BACKUP_USAGE) as [string];
  const keepFlag = flagString(args, 'keep');
  const keep = keepFlag === undefined ? null : Number(keepFlag);
  if (keep !== null && !(Number.isInteger(keep) && keep >= 1)) throw new UsageError(`--keep needs a whole number of backups, at least 1\nusage: ${BACKUP_USAGE}`);
  const config = configFor(args);
  const source: BackupSource = {
    dataDir: config.data_dir,
    configFile: configPath(flagString(args, 'config')),
    ...(config.tls.cert ? { tlsCert: config.tls.cert } : {}),
    ...(config.tls.key ? { tlsKey: config.tls.key } : {}),
    ...postgresOf(config),
  };
  const progress = createProgress({ label: 'backing up the database', unit: source.postgres ? 'rows' : 'pages' });
  let shown = 0;
  const onProgress = (done: number, total: number) => {
    progress.setTotal(total);
    progress.tick(done - shown);
    shown = done;
  };
  let result;
  try {
    result = keep === null ? await createBackup(source, dir, { onProgress }) : await createDatedBackup(source, dir, keep, { onProgress });
  } catch (err) {
    if (err instanceof BackupError) throw new OperationError(err.message);
    throw err;
  }
  progress.done();
  const { counts, schema_version: schema } = result.manifest;
  const removed = result.removed.length ? `\nRemoved ${result.removed.length} older backup(s): ${result.removed.join(', ')}` : '';
  emit(o, { dir: result.dir, manifest: result.manifest, removed: result.removed },
    `Backed up ${counts.messages} message(s) in ${counts.mailboxes} mailbox(es) of ${counts.accounts} account(s) (schema ${schema}) to ${result.dir}${removed}`);
}
