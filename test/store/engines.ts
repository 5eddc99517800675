// The store conformance suite's harness: every behaviour in test/store/ runs against both
// engines, SQLite in a temporary data directory and PostgreSQL in a fresh database on a real
// server (test/fixtures/postgres.ts, started once per test file). Tests reach the store only
// through its interface (src/store/api.ts), never SQL, so a difference between the engines is a
// failing test.
import { test, after, type TestContext } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Store, StoreEngine } from '../../src/store/api.ts';
import type { Clock } from '../../src/clock.ts';
import type { ChangeBus } from '../../src/store/change-bus.ts';
import { openStore } from '../../src/store/sqlite/store.ts';
import { PgStore } from '../../src/store/postgres/store.ts';
import { startPostgres, type PgServer } from '../fixtures/postgres.ts';

export const ENGINES: readonly StoreEngine[] = ['sqlite', 'postgres'];

let server: Promise<PgServer> | null = null;

// Registered when the file imports this module, so on the file's root: registered from inside a
// test (on first use) it would stop the server when that one test ends.
after(async () => {
  if (server) await (await server).stop();
});

/** The file's PostgreSQL server, started on first use and stopped when the file's tests end. */
export function postgresServer(): Promise<PgServer> {
  if (!server) server = startPostgres();
  return server;
}

export interface OpenOptions { clock?: Clock; bus?: ChangeBus }

/** A new, empty, migrated store of `engine`, closed (and removed) after the test. */
export async function openTestStore(engine: StoreEngine, t: TestContext, options: OpenOptions = {}): Promise<Store> {
  let now = 1_700_000_000_000;
  const clock = options.clock ?? { now: () => now++ };
  const extra = options.bus ? { bus: options.bus } : {};
  if (engine === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-store-'));
    const store = openStore(dir, { clock, migrate: true, ...extra });
    t.after(async () => {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    return store;
  }
  const url = await (await postgresServer()).freshDatabase();
  const store = await PgStore.open({ url }, { clock, migrate: true, ...extra });
  t.after(() => store.close());
  return store;
}

/** A second store on the same PostgreSQL database: another node (tests of what holds across nodes). */
export async function openSecondNode(first: Store, t: TestContext, options: OpenOptions = {}): Promise<Store> {
  if (!(first instanceof PgStore)) throw new Error('a second node needs the PostgreSQL engine');
  const url = first.url;
  const store = await PgStore.open({ url }, { clock: options.clock ?? first.clock, migrate: false, ...(options.bus ? { bus: options.bus } : {}) });
  t.after(() => store.close());
  return store;
}

/** Registers `name` once per engine, each with its own fresh store. */
export function storeTest(name: string, body: (store: Store, t: TestContext) => Promise<void>, options: OpenOptions = {}): void {
  for (const engine of ENGINES) {
    test(`[${engine}] ${name}`, async (t) => body(await openTestStore(engine, t, options), t));
  }
}
