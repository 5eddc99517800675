// `npm run fuzz -- --minutes N`: runs the fuzz targets in test/fuzz again and again, each pass with
// POSTERN_FUZZ_RUNS=2000 inputs per property and new random seeds, until about N minutes (default 5)
// have passed. The bounded run in `npm test` is the same files with 200 inputs per property. A failure
// prints the seed and the shrunk counterexample: keep it as a regression case in the target.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '5' }, runs: { type: 'string', default: '2000' } } });
const minutes = Number(values.minutes);
if (!(minutes > 0)) {
  console.error('usage: npm run fuzz -- --minutes N [--runs INPUTS_PER_PROPERTY]');
  process.exit(2);
}
const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fuzz');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.fuzz.test.ts')).sort().map((f) => path.join(dir, f));
const deadline = Date.now() + minutes * 60_000;
for (let pass = 1; Date.now() < deadline; pass++) {
  console.log(`fuzz pass ${pass}: ${files.length} targets, ${values.runs} inputs per property`);
  const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-force-exit', '--test-reporter=dot', ...files], {
    stdio: 'inherit',
    // A per-property time cap (targets that honour it) so one pass cannot outlast the budget by much.
    env: { ...process.env, POSTERN_FUZZ_RUNS: values.runs, POSTERN_FUZZ_MS: String(Math.max(1000, Math.floor((deadline - Date.now()) / files.length))) },
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
console.log('fuzz: no failure');
