// `postern reindex`: recomputes the data delivery derived from every stored message (MIME tree,
// ENVELOPE, BODYSTRUCTURE, search text, sort keys) with the current code, after an upgrade that
// changed it, and adds mail stored before the full-text index existed to that index. Safe while the
// server runs: each page is its own short transaction.
import { REINDEX_USAGE } from './usage.ts';
import { parseArgs } from './args.ts';
import { withStore } from './context.ts';
import { UsageError } from './errors.ts';
import { emit, type Output } from './output.ts';
import { createProgress } from './progress.ts';
import { contentIndexOf } from '../delivery/deliver.ts';
import type { Store } from '../store/api.ts';

/** Messages recomputed per transaction: short enough not to hold the write lock for long. */
const PAGE = 200;

export async function reindexCommand(argv: string[], o: Output): Promise<void> {
  const args = parseArgs(argv);
  if (args.positionals.length > 0) throw new UsageError(`usage: ${REINDEX_USAGE}`);
  await withStore(args, async (store) => {
    const progress = createProgress({ label: 'recomputing stored message data', total: await store.reindex.count(), unit: 'messages' });
    const done = await reindexStore(store, (n) => progress.tick(n));
    progress.done();
    emit(o, { messages: done }, `Recomputed the stored data of ${done} message(s).`);
  });
}

/** Recomputes every stored message's data and completes the full-text index (what `postern
 *  reindex` does; the benchmarks call it on a reused data dir). Returns how many messages. */
export async function reindexStore(store: Store, tick: (messages: number) => void = () => {}): Promise<number> {
  let done = 0;
  const floor = await store.reindex.ftsFloor();
  for (let ids = await store.reindex.ids(0, PAGE); ids.length > 0; ids = await store.reindex.ids(ids.at(-1)!, PAGE)) {
    const rows = [];
    for (const id of ids) rows.push({ id, index: contentIndexOf(await store.contents.full(id)) });
    await store.reindex.update(rows);
    if (floor > 0) await store.reindex.indexText(ids, floor);
    done += ids.length;
    tick(ids.length);
  }
  if (floor > 0) await store.reindex.ftsComplete();
  return done;
}
