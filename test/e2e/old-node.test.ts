// bin/postern on a Node.js older than it supports prints one line naming the version it needs and
// how to get it, instead of Node's ERR_UNKNOWN_FILE_EXTENSION. Debian 12's system node (20) is the
// old Node here; CI machines have it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const bin = path.resolve(import.meta.dirname, '../../bin/postern');
const systemNode = '/usr/bin/node';

test('an old Node gets one line naming the version needed and scripts/node24.sh', (t) => {
  const version = spawnSync(systemNode, ['-p', 'process.versions.node'], { encoding: 'utf8' });
  const major = Number(version.stdout?.split('.')[0]);
  if (version.status !== 0 || !(major < 22)) {
    t.skip(`no system Node older than 22 at ${systemNode}`);
    return;
  }
  const r = spawnSync(systemNode, [bin, 'domain', 'list'], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^postern needs Node\.js 22\.18 or newer .*\. scripts\/node24\.sh\n$/);
  assert.doesNotMatch(r.stderr, /ERR_UNKNOWN_FILE_EXTENSION/);
});
