// Opening the store the configuration names: [store] engine = "sqlite" (the file in data_dir) or
// "postgres" ([store] url, the password from password_file or POSTERN_STORE_PASSWORD). The settings
// are declared here, by shape, so the store does not depend on the configuration layer; the parsed
// configuration (src/config/types.ts Config) fits them.
import type { Store, StoreEngine } from '../api.ts';
import { openStore, type StoreOptions } from '../sqlite/store.ts';

/** What opening a store needs of the configuration: data_dir and the [store] section. */
export interface StoreSettings {
  data_dir: string;
  store: { engine: StoreEngine; url: string; password_file: string; max_connections: number };
}

export async function openConfiguredStore(config: StoreSettings, options: StoreOptions): Promise<Store> {
  if (config.store.engine === 'postgres') {
    if (!config.store.url) throw new Error('[store] engine = "postgres" needs [store] url');
    // Loaded only for this engine: the PostgreSQL client and its store modules are ~9 MB of a
    // SQLite server's memory (bench/profiles.md, Memory).
    const { PgStore } = await import('../postgres/store.ts');
    return PgStore.open(
      { url: config.store.url, maxConnections: config.store.max_connections, ...(config.store.password_file ? { passwordFile: config.store.password_file } : {}) },
      { clock: options.clock, migrate: options.migrate, ...(options.bus ? { bus: options.bus } : {}), ...(options.searchMaxMs !== undefined ? { searchMaxMs: options.searchMaxMs } : {}) },
    );
  }
  return openStore(config.data_dir, options);
}
