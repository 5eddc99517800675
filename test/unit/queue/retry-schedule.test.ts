import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextAttempt } from '../../../src/queue/retry-schedule.ts';
import { QUEUE_RETRY_SCHEDULE_S, QUEUE_LIFETIME_S, QUEUE_RETRY_JITTER } from '../../../src/limits.ts';

const policy = { scheduleS: QUEUE_RETRY_SCHEDULE_S, lifetimeS: QUEUE_LIFETIME_S, jitter: QUEUE_RETRY_JITTER };
const MIN = 60_000;

test('default steps: 5 min, 10, 30, 1 h, 2 h, then every 4 h', () => {
  const mid = () => 0.5; // no jitter
  const delays = [1, 2, 3, 4, 5, 6, 7, 20].map((n) => {
    const d = nextAttempt(policy, 0, n, 1000, mid);
    assert.equal(d.kind, 'retry');
    return d.kind === 'retry' ? (d.at - 1000) / MIN : 0;
  });
  assert.deepEqual(delays, [5, 10, 30, 60, 120, 240, 240, 240]);
});

test('jitter stays within ±10% and differs between draws', () => {
  const lo = nextAttempt(policy, 0, 1, 0, () => 0);
  const hi = nextAttempt(policy, 0, 1, 0, () => 0.999999);
  assert.ok(lo.kind === 'retry' && hi.kind === 'retry');
  assert.equal(lo.at, 270_000);
  assert.ok(hi.at > 329_000 && hi.at <= 330_000);
});

test('the last attempt is at the deadline, and past it the recipient expires', () => {
  const deadline = QUEUE_LIFETIME_S * 1000;
  const last = nextAttempt(policy, 0, 30, deadline - MIN, () => 0.5);
  assert.deepEqual(last, { kind: 'retry', at: deadline });
  assert.deepEqual(nextAttempt(policy, 0, 31, deadline, () => 0.5), { kind: 'expired' });
});
