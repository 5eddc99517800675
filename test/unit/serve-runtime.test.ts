// The runtime settings of `postern serve` (src/serve-runtime.ts): what is missing is added, what the
// operator gave is kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { missingServeSettings, serveChildRuntime, SERVE_ENVIRONMENT, SERVE_NODE_FLAGS } from '../../src/serve-runtime.ts';

const nameOf = (flag: string) => flag.split('=')[0]!;

test('a process started without the settings is missing all of them, and one started with them none', () => {
  assert.deepEqual(missingServeSettings([], {}), { flags: [...SERVE_NODE_FLAGS], env: { ...SERVE_ENVIRONMENT } });
  assert.equal(missingServeSettings([...SERVE_NODE_FLAGS], { ...SERVE_ENVIRONMENT }), null);
});

test("the operator's own value of a flag wins, on the command line or in NODE_OPTIONS, with - or _", () => {
  for (const flag of SERVE_NODE_FLAGS) {
    const others = SERVE_NODE_FLAGS.filter((f) => f !== flag);
    assert.deepEqual(missingServeSettings([`${nameOf(flag)}=32`], {})?.flags, others);
    const underscored = `--${nameOf(flag).slice(2).replaceAll('-', '_')}=64`;
    assert.deepEqual(missingServeSettings(['--inspect'], { NODE_OPTIONS: `--trace-gc ${underscored}` })?.flags, others);
  }
  assert.deepEqual(missingServeSettings(['--inspect'], { NODE_OPTIONS: '--trace-gc' })?.flags, [...SERVE_NODE_FLAGS]);
});

test("the operator's own environment variable wins", () => {
  for (const name of Object.keys(SERVE_ENVIRONMENT)) {
    assert.equal(missingServeSettings([...SERVE_NODE_FLAGS], { ...SERVE_ENVIRONMENT, [name]: 'theirs' }), null);
  }
});

test('a benchmark child gets the flags before its own, and keeps its environment', () => {
  const { execArgv, env } = serveChildRuntime(['--cpu-prof'], { KEEP: 'me' });
  assert.deepEqual(execArgv, [...SERVE_NODE_FLAGS, '--cpu-prof']);
  assert.equal(env.KEEP, 'me');
  for (const [name, value] of Object.entries(SERVE_ENVIRONMENT)) assert.equal(env[name], value);
});
