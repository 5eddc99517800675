// The runtime settings of `postern serve` (src/serve-runtime.ts): what is missing is added, what the
// operator gave is kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { missingServeSettings, serveChildRuntime, SERVE_NODE_FLAGS } from '../../src/serve-runtime.ts';

test('a process started without the settings is missing all of them', () => {
  assert.deepEqual(missingServeSettings([], {})?.flags, [...SERVE_NODE_FLAGS]);
  assert.equal(missingServeSettings([...SERVE_NODE_FLAGS], {}), null);
});

test("the operator's own value of a flag wins, on the command line or in NODE_OPTIONS, with - or _", () => {
  const name = SERVE_NODE_FLAGS[0]!.split('=')[0]!;
  assert.equal(missingServeSettings([`${name}=32`], {}), null);
  assert.equal(missingServeSettings(['--inspect'], { NODE_OPTIONS: `--trace-gc ${name.replaceAll('-', '_').replace(/^__/, '--')}=64` }), null);
  assert.deepEqual(missingServeSettings(['--inspect'], { NODE_OPTIONS: '--trace-gc' })?.flags, [...SERVE_NODE_FLAGS]);
});

test('a benchmark child gets the flags before its own, and keeps its environment', () => {
  const { execArgv, env } = serveChildRuntime(['--cpu-prof'], { KEEP: 'me' });
  assert.deepEqual(execArgv, [...SERVE_NODE_FLAGS, '--cpu-prof']);
  assert.equal(env.KEEP, 'me');
});
