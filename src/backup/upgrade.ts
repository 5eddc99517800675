// Opening the store for `serve` and `migrate`, with a backup before any schema change. What must
// always be true: when migrations are pending, a complete backup is in data_dir/backups/ (the last
// AUTOMATIC_BACKUPS_KEPT kept) BEFORE the first one runs, and if it cannot be taken nothing is
// migrated; all pending migrations run in one transaction, so a failure leaves the database as it
// was, and the error says where the backup is and how to restore it.
import path from 'node:path';
import { openStore } from '../store/sqlite/store.ts';
import type { Store } from '../store/api.ts';
import { openConfiguredStore } from '../store/engines/open-store.ts';
import { MigrationFailedError } from '../store/migrations.ts';
import { pendingMigrationNames } from '../store/sqlite/backup.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config/types.ts';
import { AUTOMATIC_BACKUPS_DIR, AUTOMATIC_BACKUPS_KEPT, createDatedBackup } from './create.ts';

export class UpgradeError extends Error {}

export interface UpgradeOptions {
  clock: Clock;
  configFile: string | null;
  migrationsDir?: string;
  checkpointIntervalMs?: number;
  /** fsync group commits off the event loop (see store/sqlite/group-commit.ts). */
  syncOffLoop?: boolean;
  /** Told where the automatic backup went, before migrating. */
  onBackup?: (dir: string, pending: string[]) => void;
}

export interface Upgraded { store: Store; backup: string | null }

export async function openStoreMigrated(config: Config, options: UpgradeOptions): Promise<Upgraded> {
  if (config.store.engine === 'postgres') {
    // PostgreSQL's own tools back it up (pg_dump); its migrations also run in one transaction.
    try {
      return { store: await openConfiguredStore(config, { clock: options.clock, migrate: true }), backup: null };
    } catch (err) {
      if (err instanceof MigrationFailedError) throw new UpgradeError(`${err.message}. The database is unchanged (the upgrade was rolled back).`);
      throw err;
    }
  }
  const pending = pendingMigrationNames(config.data_dir, options.migrationsDir);
  let backup: string | null = null;
  if (pending.length > 0) {
    try {
      const result = await createDatedBackup(
        { dataDir: config.data_dir, configFile: options.configFile, ...(config.tls.cert ? { tlsCert: config.tls.cert } : {}), ...(config.tls.key ? { tlsKey: config.tls.key } : {}) },
        path.join(config.data_dir, AUTOMATIC_BACKUPS_DIR), AUTOMATIC_BACKUPS_KEPT,
        { reason: `before migration ${pending.join(', ')}`, now: new Date(options.clock.now()) },
      );
      backup = result.dir;
    } catch (err) {
      throw new UpgradeError(`could not back up the database before migrating (${(err as Error).message}); nothing was migrated`);
    }
    options.onBackup?.(backup, pending);
  }
  try {
    const store = openStore(config.data_dir, {
      clock: options.clock, migrate: true,
      ...(options.migrationsDir ? { migrationsDir: options.migrationsDir } : {}),
      ...(options.checkpointIntervalMs ? { checkpointIntervalMs: options.checkpointIntervalMs } : {}),
      ...(options.syncOffLoop ? { syncOffLoop: true } : {}),
    });
    return { store, backup };
  } catch (err) {
    if (err instanceof MigrationFailedError) {
      throw new UpgradeError(`${err.message}. The database is unchanged (the upgrade was rolled back).${backup
        ? ` A backup taken just before is in ${backup}; to return to it: postern restore ${backup} --force`
        : ''}`);
    }
    throw err;
  }
}
