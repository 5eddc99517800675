// randomHex: ids from the pooled random bytes are the asked length, hex, and never repeat, across
// the pool's refills too (600 ids of 16 bytes take more than two pools of 4096).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomHex } from '../../src/random-hex.ts';

test('randomHex gives distinct lowercase hex ids of the asked length, across pool refills', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 600; i++) {
    const id = randomHex(i % 2 === 0 ? 16 : 8);
    assert.match(id, i % 2 === 0 ? /^[0-9a-f]{32}$/ : /^[0-9a-f]{16}$/);
    assert.ok(!seen.has(id), 'an id repeated');
    seen.add(id);
  }
});
