// What a benchmark that reuses its data dir checks before it measures SEARCH: mail stored before the
// full-text index existed (migrations/0023: content ids below the store's ftsFloor()) is searched by
// scanning it, so `UID SEARCH BODY` on such a 100,000-message store took 2.8 s in bench/compare while
// bench/imap-search.ts, on a store loaded since, took 40 ms. ensureSearchIndex() says so and
// reindexes (as `postern reindex` does) before anything is measured, once: afterwards the floor is 0,
// and a store loaded since it existed needs nothing.
// As a script (bench/compare): node bench/search-index.ts --config FILE, after `postern migrate`.
import { reindexStore } from '../src/cli/reindex.ts';
import { parseArgs } from '../src/cli/args.ts';
import { withStore } from '../src/cli/context.ts';
import type { Store } from '../src/store/api.ts';

/** Adds mail stored before the full-text index to it; returns how many messages were reindexed (0: none needed). */
export async function ensureSearchIndex(store: Store, where: string): Promise<number> {
  // A store made since has a floor at or below its first content id (1 when it was created empty).
  const floor = await store.reindex.ftsFloor();
  const [first] = await store.reindex.ids(0, 1);
  if (floor === 0 || first === undefined || first >= floor) return 0;
  console.error(`${where}: messages below content id ${floor} were stored before the full-text index existed; reindexing them before measuring ...`);
  const t0 = performance.now();
  const n = await reindexStore(store);
  console.error(`${where}: reindexed ${n} messages in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return n;
}

if (import.meta.main) {
  const args = parseArgs(process.argv.slice(2));
  await withStore(args, (store) => ensureSearchIndex(store, String(args.flags.get('config') ?? 'store')));
}
