import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transferTooSlow } from '../../../src/smtp/session-deadlines.ts';

test('a DATA transfer is too slow only after the grace period and below the average rate', () => {
  assert.equal(transferTooSlow(0, 59_000, 4096, 60_000), false, 'within the grace period');
  assert.equal(transferTooSlow(4096 * 60, 60_000, 4096, 60_000), false, 'exactly at the rate');
  assert.equal(transferTooSlow(4096 * 60 - 1, 60_000, 4096, 60_000), true);
  assert.equal(transferTooSlow(10, 3600_000, 0, 60_000), false, '0 disables the minimum');
});
