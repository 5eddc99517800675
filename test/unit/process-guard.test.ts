import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const GUARD = fileURLToPath(new URL('../../src/process-guard.ts', import.meta.url));
const METRICS = fileURLToPath(new URL('../../src/metrics/registry.ts', import.meta.url));

test('the last-resort guard logs and counts an uncaught exception and a rejection, and the process goes on', () => {
  // A child process: an uncaught exception there would otherwise end it with code 1.
  const script = `
    const { installProcessGuard } = await import(${JSON.stringify(GUARD)});
    const { createMetrics } = await import(${JSON.stringify(METRICS)});
    const lines = [];
    const log = { error: (o, msg) => lines.push(msg) };
    const metrics = createMetrics();
    installProcessGuard(log, metrics);
    setTimeout(() => { throw new Error('thrown from a timer'); }, 1);
    Promise.reject(new Error('rejected'));
    setTimeout(async () => {
      const text = await metrics.expose();
      console.log(JSON.stringify({ lines, exception: /uncaught_errors_total\\{kind="exception"\\} 1/.test(text), rejection: /kind="rejection"\\} 1/.test(text) }));
    }, 50);
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { lines: string[]; exception: boolean; rejection: boolean };
  assert.equal(out.exception, true);
  assert.equal(out.rejection, true);
  assert.equal(out.lines.length, 2);
});
