// Emptying the Rejects mailboxes: a refused message's copy is kept `[spam] rejects_keep_days`
// (default 14) so a wrongly refused signup mail can be found, then expunged like any message
// (tombstones for QRESYNC, content released). Always true: work is done in batches of
// SPAM_REJECTS_EXPIRE_BATCH per transaction, yielding between them.
import { SPAM_REJECTS_EXPIRE_BATCH } from '../limits.ts';
import type { Store } from '../store/api.ts';
import type { Logger } from '../log.ts';

const DAY_MS = 86_400_000;
/** How often serve looks for expired Rejects. */
export const REJECTS_EXPIRY_INTERVAL_MS = 3_600_000;

/** Expunges every Rejects message older than keepDays at `now`; returns how many. */
export async function expireRejects(store: Store, keepDays: number, now: number): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await store.spam.expireRejects(now - keepDays * DAY_MS, SPAM_REJECTS_EXPIRE_BATCH);
    total += n;
    if (n < SPAM_REJECTS_EXPIRE_BATCH) return total;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Runs expireRejects now and every REJECTS_EXPIRY_INTERVAL_MS; returns the stop function. */
export function startRejectsExpiry(store: Store, log: Logger, keepDays: number): () => void {
  const run = () => {
    if (!store.isOpen()) return;
    expireRejects(store, keepDays, store.clock.now()).then(
      (n) => { if (n > 0) log.info({ expunged: n, keepDays }, 'expired messages from Rejects'); },
      (err: unknown) => { if (store.isOpen()) log.error({ err }, 'expiring Rejects failed; retried in an hour'); });
  };
  run();
  const timer = setInterval(run, REJECTS_EXPIRY_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
