// The run budget every fuzz target shares: POSTERN_FUZZ_RUNS inputs per property (200 in `npm test`,
// where the whole suite takes seconds), and for `npm run fuzz -- --minutes N` a time limit per
// property (POSTERN_FUZZ_MS) so a long run ends on time. A failure prints fast-check's seed and the
// shrunk counterexample: add that input to the target's `examples` (or test/fuzz/corpus/<target>/)
// so it is replayed by every later run.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function fuzzOptions(): { numRuns: number; interruptAfterTimeLimit?: number; markInterruptAsFailure: false } {
  const budget = Number(process.env.POSTERN_FUZZ_MS ?? 0);
  return {
    numRuns: Number(process.env.POSTERN_FUZZ_RUNS ?? 200),
    ...(budget > 0 ? { interruptAfterTimeLimit: budget } : {}),
    markInterruptAsFailure: false,
  };
}

/** The kept inputs of a target: every file in test/fuzz/corpus/<target>/, as bytes. */
export function corpus(target: string): Buffer[] {
  const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'corpus', target);
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).sort().map((f) => fs.readFileSync(path.join(dir, f)));
}
