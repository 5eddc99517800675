// `postern store copy --to URL`: copies the configured store into an empty one of the other engine
// (src/store/engines/copy.ts) with a progress bar, then verifies it (row counts and SHA-256 digests of every
// table and of every message's bytes). URL is postgres://… (the password from the URL or
// POSTERN_STORE_PASSWORD) or sqlite:DIR. Stop `postern serve` first: what it writes during the
// copy would not be in the copy. Exit 1 when the target is not empty or the verification fails.
import path from 'node:path';
import { STORE_USAGE } from './usage.ts';
import { expectPositionals, flagString, parseArgs } from './args.ts';
import { configFor } from './context.ts';
import { OperationError, UsageError } from './errors.ts';
import { emit, type Output } from './output.ts';
import { createProgress } from './progress.ts';
import { copyStore, StoreCopyError, type CopyEndpoint } from '../store/engines/copy.ts';

/** The target a --to URL names. */
export function endpointOf(url: string): CopyEndpoint {
  if (/^postgres(ql)?:\/\//i.test(url)) return { engine: 'postgres', settings: { url } };
  if (url.startsWith('sqlite:') && url.length > 'sqlite:'.length) return { engine: 'sqlite', dataDir: path.resolve(url.slice('sqlite:'.length)) };
  throw new UsageError(`--to needs postgres://… or sqlite:DIR, not ${JSON.stringify(url)}\nusage: ${STORE_USAGE}`);
}

export async function storeCommand(argv: string[], o: Output): Promise<void> {
  const args = parseArgs(argv, { to: true });
  const [verb] = expectPositionals(args, 1, 1, STORE_USAGE);
  if (verb !== 'copy') throw new UsageError(`usage: ${STORE_USAGE}`);
  const to = flagString(args, 'to');
  if (!to) throw new UsageError(`store copy needs --to\nusage: ${STORE_USAGE}`);
  const target = endpointOf(to);
  const config = configFor(args);
  let source: CopyEndpoint;
  if (config.store.engine === 'postgres') {
    if (!config.store.url) throw new OperationError('[store] engine = "postgres" needs [store] url');
    source = { engine: 'postgres', settings: { url: config.store.url, ...(config.store.password_file ? { passwordFile: config.store.password_file } : {}) } };
  } else {
    source = { engine: 'sqlite', dataDir: config.data_dir };
  }
  const progress = createProgress({ label: `copying the ${source.engine} store to ${target.engine}`, unit: 'rows' });
  let shown = 0;
  let report;
  try {
    report = await copyStore(source, target, {
      onProgress: (done, total) => {
        progress.setTotal(total);
        progress.tick(done - shown);
        shown = done;
      },
    });
  } catch (err) {
    if (err instanceof StoreCopyError) throw new OperationError(err.message);
    throw err;
  } finally {
    progress.done();
  }
  const where = target.engine === 'sqlite' ? target.dataDir : new URL(to).host + new URL(to).pathname;
  emit(o, report, `Copied ${report.rows} row(s) of ${report.tables.length} table(s), ${report.messages.count} message(s), from ${report.from} to ${report.to} (${where}) in ${(report.ms / 1000).toFixed(1)} s; verified: row counts and SHA-256 of every table and of every message's bytes are equal.\nTo use it: [store] engine = "${report.to}"${report.to === 'postgres' ? ' and url' : ` and data_dir = "${where}"`} in the config.`);
}
