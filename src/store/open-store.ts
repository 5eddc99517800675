// Opening the store the configuration names: [store] engine = "sqlite" (the file in data_dir) or
// "postgres" ([store] url, the password from password_file or POSTERN_STORE_PASSWORD).
import type { Config } from '../config/types.ts';
import type { Store } from './api.ts';
import { openStore, type StoreOptions } from './store.ts';
import { PgStore } from './postgres/store.ts';

export async function openConfiguredStore(config: Pick<Config, 'data_dir' | 'store'>, options: StoreOptions): Promise<Store> {
  if (config.store.engine === 'postgres') {
    if (!config.store.url) throw new Error('[store] engine = "postgres" needs [store] url');
    return PgStore.open(
      { url: config.store.url, maxConnections: config.store.max_connections, ...(config.store.password_file ? { passwordFile: config.store.password_file } : {}) },
      { clock: options.clock, migrate: options.migrate, ...(options.bus ? { bus: options.bus } : {}) },
    );
  }
  return openStore(config.data_dir, options);
}
