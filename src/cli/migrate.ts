// `postern migrate`: applies pending migrations to the database in data_dir, after an automatic
// backup into data_dir/backups/ (src/backup/upgrade.ts), and says where that backup is.
import { MIGRATE_USAGE } from './usage.ts';
import { flagString, parseArgs } from './args.ts';
import { configFor } from './context.ts';
import { OperationError, UsageError } from './errors.ts';
import { emit, type Output } from './output.ts';
import { SchemaTooNewError } from '../store/migrations.ts';
import { openStoreMigrated, UpgradeError } from '../backup/upgrade.ts';
import { configPath } from '../config/load.ts';
import { systemClock } from '../clock.ts';

export async function migrateCommand(argv: string[], o: Output): Promise<void> {
  const args = parseArgs(argv);
  if (args.positionals.length > 0) throw new UsageError(`usage: ${MIGRATE_USAGE}`);
  const config = configFor(args);
  let opened;
  try {
    opened = await openStoreMigrated(config, { clock: systemClock, configFile: configPath(flagString(args, 'config')) });
  } catch (err) {
    if (err instanceof SchemaTooNewError || err instanceof UpgradeError) throw new OperationError(err.message);
    throw err;
  }
  const { store, backup } = opened;
  const applied = store.applied.map((m) => m.name);
  await store.close();
  const saved = backup ? ` The database was backed up first to ${backup}.` : '';
  emit(o, { applied, ...(backup ? { backup } : {}) }, applied.length ? `Applied ${applied.length} migration(s): ${applied.join(', ')}.${saved}` : 'The database is up to date.');
}
