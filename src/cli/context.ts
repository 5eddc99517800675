// What admin commands share: the configuration and the store. A database that does not exist yet
// is created with the full schema; an existing one with pending migrations is refused until
// `postern migrate` (or `serve`) upgrades it, so an old CLI never writes into a schema it predates.
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, ConfigError } from '../config/load.ts';
import type { Config } from '../config/types.ts';
import { PendingMigrationsError } from '../store/migrations.ts';
import type { Store } from '../store/api.ts';
import type { PostgresSettings } from '../store/postgres/connect.ts';
import { SchemaTooNewError } from '../store/migrations.ts';
import { DATABASE_FILE } from '../store/sqlite/open.ts';
import { systemClock } from '../clock.ts';
import { flagString, type ParsedArgs } from './args.ts';
import { OperationError, UsageError } from './errors.ts';

export function configFor(args: ParsedArgs): Config {
  try {
    return loadConfig(flagString(args, 'config'));
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
}

export async function storeFor(config: Config): Promise<Store> {
  // A fresh SQLite file gets the full schema; PostgreSQL is migrated by `postern migrate` or `serve`.
  const fresh = config.store.engine === 'sqlite' && !fs.existsSync(path.join(config.data_dir, DATABASE_FILE));
  // Loaded here, not at the top: backup, verify and restore need the configuration but no store
  // engine, and loading both engines is most of a short command's start.
  const { openConfiguredStore } = await import('../store/engines/open-store.ts');
  try {
    return await openConfiguredStore(config, { clock: systemClock, migrate: fresh });
  } catch (err) {
    if (err instanceof PendingMigrationsError || err instanceof SchemaTooNewError) throw new OperationError(err.message);
    throw err;
  }
}

/** Runs `work` with the store open, closing it afterwards. */
export async function withStore<T>(args: ParsedArgs, work: (store: Store, config: Config) => Promise<T>): Promise<T> {
  const config = configFor(args);
  const store = await storeFor(config);
  try {
    return await work(store, config);
  } finally {
    await store.close();
  }
}

/** `{ postgres: settings }` when the configured store is PostgreSQL, else nothing (spread into options). */
export function postgresOf(config: Config): { postgres?: PostgresSettings } {
  if (config.store.engine !== 'postgres') return {};
  if (!config.store.url) throw new OperationError('[store] engine = "postgres" needs [store] url');
  return { postgres: { url: config.store.url, maxConnections: config.store.max_connections, ...(config.store.password_file ? { passwordFile: config.store.password_file } : {}) } };
}
