import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionLimits } from '../../../src/smtp/connection-limits.ts';

test('per-IP and total limits admit up to the limit and release correctly', () => {
  const limits = new ConnectionLimits(2, 3);
  assert.equal(limits.admit('a', '1.1.1.1').admitted, true);
  assert.equal(limits.admit('b', '1.1.1.1').admitted, true);
  assert.deepEqual(limits.admit('c', '1.1.1.1'), { admitted: false, reason: 'per-ip' });
  assert.equal(limits.admit('d', '2.2.2.2').admitted, true);
  assert.deepEqual(limits.admit('e', '3.3.3.3'), { admitted: false, reason: 'total' });
  limits.release('a', '1.1.1.1');
  limits.release('a', '1.1.1.1');
  limits.release('c', '1.1.1.1');
  assert.equal(limits.total, 2);
  assert.equal(limits.admit('f', '1.1.1.1').admitted, true);
  assert.deepEqual(limits.admit('g', '1.1.1.1'), { admitted: false, reason: 'total' });
});
