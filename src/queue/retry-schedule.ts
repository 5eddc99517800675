// When to try a deferred recipient again. Always true: the delay only grows with the attempt
// count (up to the last step, then repeats it), jitter keeps each delay within ±QUEUE_RETRY_JITTER,
// and no attempt is scheduled after the lifetime: past it the recipient is bounced.

export interface RetryPolicy {
  scheduleS: number[];
  lifetimeS: number;
  jitter: number;
}

export type RetryDecision = { kind: 'retry'; at: number } | { kind: 'expired' };

/**
 * After `attempts` failed attempts (1 after the first), at time `now`, for a recipient queued at
 * `queuedAt`: the next attempt time, or expired. `random` is in [0, 1).
 */
export function nextAttempt(policy: RetryPolicy, queuedAt: number, attempts: number, now: number, random: () => number = Math.random): RetryDecision {
  const deadline = queuedAt + policy.lifetimeS * 1000;
  if (now >= deadline) return { kind: 'expired' };
  const steps = policy.scheduleS;
  const base = steps[Math.min(Math.max(attempts, 1), steps.length) - 1]! * 1000;
  const delay = base * (1 + policy.jitter * (2 * random() - 1));
  // One last try at the deadline rather than giving up early.
  return { kind: 'retry', at: Math.min(Math.round(now + delay), deadline) };
}
