// The trainer: applies the filings the store recorded (a move or copy into or out of Junk, $Junk,
// $NotJunk) to the account's classifier counts and reputation, after their commit, and forwards
// them to rspamd when one is configured. Always true: a filing is applied once (the store checks
// the class it moves from inside the transaction); filings left by a stopped process are applied
// at the next start; tokens come from the text delivery indexed, never from a second MIME parse.
import { SPAM_TRAIN_BATCH, SPAM_URL_SCAN_BYTES } from '../limits.ts';
import type { Store } from '../store/api.ts';
import type { Logger } from '../log.ts';
import type { SpamMetrics } from '../metrics/catalogue.ts';
import { tokenKeysOf } from './tokens.ts';
import { RspamdClient } from './rspamd.ts';

export interface SpamTrainer {
  /** Resolves once every filing recorded so far has been applied. */
  idle(): Promise<void>;
  stop(): void;
}

const trainers = new WeakMap<Store, SpamTrainer>();

/** The trainer running on a store (tests await its idle()). */
export function spamTrainerOf(store: Store): SpamTrainer | undefined {
  return trainers.get(store);
}

export function startSpamTrainer(store: Store, log: Logger, metrics: SpamMetrics, rspamdUrl: string): SpamTrainer {
  trainers.get(store)?.stop();
  const rspamd = rspamdUrl ? new RspamdClient(rspamdUrl) : null;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;

  async function drain(): Promise<void> {
    do {
      again = false;
      for (;;) {
        if (stopped || !store.isOpen()) return;
        const batch = await store.spam.pending(SPAM_TRAIN_BATCH);
        if (batch.length === 0) break;
        for (const p of batch) {
          const text = await store.spam.textOf(p.contentId, SPAM_URL_SCAN_BYTES);
          if (!text) {
            await store.spam.cancelFiling(p);
            continue;
          }
          await store.spam.applyTraining(p, p.wanted, tokenKeysOf(text));
          metrics.trained.inc({ class: p.wanted ?? 'none' });
          if (rspamd && p.wanted) {
            store.contents.full(p.contentId).then((raw) => rspamd.learn(p.wanted!, raw)).then(
              () => metrics.rspamd.inc({ kind: 'learn', result: 'ok' }),
              (err: Error) => {
                metrics.rspamd.inc({ kind: 'learn', result: 'error' });
                log.warn({ err }, 'rspamd learn failed');
              });
          }
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    } while (again);
  }

  function kick(): void {
    if (running) {
      again = true;
      return;
    }
    running = drain().catch((err: unknown) => {
      if (store.isOpen()) log.error({ err }, 'spam training failed; retried at the next filing');
    }).finally(() => {
      running = null;
    });
  }

  const unsubscribe = store.spam.onFiled(kick);
  kick();
  const trainer: SpamTrainer = {
    async idle() {
      while (running) await running;
    },
    stop() {
      stopped = true;
      unsubscribe();
    },
  };
  trainers.set(store, trainer);
  return trainer;
}
