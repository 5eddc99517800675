// `postern migrate`: applies pending migrations to the database in data_dir.
import { MIGRATE_USAGE } from './usage.ts';
import { parseArgs } from './args.ts';
import { configFor } from './context.ts';
import { OperationError, UsageError } from './errors.ts';
import { emit, type Output } from './output.ts';
import { openStore } from '../store/store.ts';
import { SchemaTooNewError } from '../store/migrate.ts';
import { systemClock } from '../clock.ts';

export async function migrateCommand(argv: string[], o: Output): Promise<void> {
  const args = parseArgs(argv);
  if (args.positionals.length > 0) throw new UsageError(`usage: ${MIGRATE_USAGE}`);
  const config = configFor(args);
  let store;
  try {
    store = openStore(config.data_dir, { clock: systemClock, migrate: true });
  } catch (err) {
    if (err instanceof SchemaTooNewError) throw new OperationError(err.message);
    throw err;
  }
  const applied = store.applied.map((m) => m.name);
  store.close();
  emit(o, { applied }, applied.length ? `Applied ${applied.length} migration(s): ${applied.join(', ')}.` : 'The database is up to date.');
}
