// `postern restore DIR [--force]`: verifies the backup in DIR (or the newest one inside it), then
// puts its database and data_dir files into the configured data_dir (src/backup/restore.ts).
// Refused while a server uses data_dir, and for a non-empty data_dir without --force. The config
// file is never overwritten: the backup's copy is named so the operator can compare.
import path from 'node:path';
import { RESTORE_USAGE } from './usage.ts';
import { expectPositionals, parseArgs } from './args.ts';
import { configFor } from './context.ts';
import { OperationError } from './errors.ts';
import { emit, type Output } from './output.ts';
import { restoreBackup, RestoreError } from '../backup/restore.ts';
import { postgresOf } from './context.ts';

export async function restoreCommand(argv: string[], o: Output): Promise<void> {
  const args = parseArgs(argv, { force: false });
  const [dir] = expectPositionals(args, 1, 1, RESTORE_USAGE) as [string];
  const config = configFor(args);
  let result;
  try {
    result = await restoreBackup(dir, config.data_dir, { force: args.flags.has('force'), ...postgresOf(config) });
  } catch (err) {
    if (err instanceof RestoreError) throw new OperationError(err.message);
    throw err;
  }
  const m = result.manifest;
  const configNote = m.source.config ? `\nThe backup's config file is ${path.join(result.from, 'config', 'postern.toml')} (yours was left as it is).` : '';
  emit(o, { from: result.from, data_dir: config.data_dir, manifest: m, files: result.files },
    `Restored the backup of ${m.created_at} (${m.counts.messages} message(s), ${m.counts.accounts} account(s), schema ${m.schema_version}) from ${result.from} into ${config.data_dir}.${configNote}`);
}
