// The trainer: applies the filings the store recorded (training on arrival, a move or copy into or
// out of Junk, $Junk, $NotJunk) to the account's classifier counts and reputation, after their
// commit, in batches, and forwards the user's filings to rspamd when one is configured. Always
// true: a filing is applied once (the store checks the class it moves from inside the transaction);
// filings left by a stopped process are applied at the next start; tokens come from the text
// delivery indexed, never from a second MIME parse; a batch is one transaction whatever its size
// (SPAM_TRAIN_BATCH), so a burst of deliveries writes the token table once per batch.
import { SPAM_TRAIN_BATCH, SPAM_TRAIN_DELAY_MS, SPAM_URL_SCAN_BYTES } from '../limits.ts';
import type { Store } from '../store/api.ts';
import type { TrainingUpdate } from '../store/spam.ts';
import type { Logger } from '../log.ts';
import type { SpamMetrics } from '../metrics/catalogue.ts';
import { tokenKeysOf } from './tokens.ts';
import { RspamdClient } from './rspamd.ts';

export interface SpamTrainer {
  /** Resolves once every filing recorded so far has been applied (without waiting for the gathering delay). */
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
  let gathering: NodeJS.Timeout | null = null;
  let again = false;
  let stopped = false;

  function forward(u: TrainingUpdate): void {
    if (!rspamd || !u.to || u.pending.arrival) return;
    store.contents.full(u.pending.contentId).then((raw) => rspamd.learn(u.to!, raw)).then(
      () => metrics.rspamd.inc({ kind: 'learn', result: 'ok' }),
      (err: Error) => {
        metrics.rspamd.inc({ kind: 'learn', result: 'error' });
        log.warn({ err }, 'rspamd learn failed');
      });
  }

  async function drain(): Promise<void> {
    do {
      again = false;
      for (;;) {
        if (stopped || !store.isOpen()) return;
        const batch = await store.spam.pending(SPAM_TRAIN_BATCH);
        if (batch.length === 0) break;
        const updates: TrainingUpdate[] = [];
        for (const p of batch) {
          const text = await store.spam.textOf(p.contentId, SPAM_URL_SCAN_BYTES);
          if (text) updates.push({ pending: p, to: p.wanted, tokens: tokenKeysOf(text) });
          else await store.spam.cancelFiling(p);
        }
        await store.spam.applyTrainings(updates);
        for (const u of updates) {
          metrics.trained.inc({ class: u.to ?? 'none' });
          forward(u);
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    } while (again);
  }

  function start(): void {
    running = drain().catch((err: unknown) => {
      if (store.isOpen()) log.error({ err }, 'spam training failed; retried at the next filing');
    }).finally(() => {
      running = null;
    });
  }

  function kick(): void {
    if (running) {
      again = true;
      return;
    }
    if (gathering || stopped) return;
    gathering = setTimeout(() => {
      gathering = null;
      start();
    }, SPAM_TRAIN_DELAY_MS);
  }

  const unsubscribe = store.spam.onFiled(kick);
  start();
  const trainer: SpamTrainer = {
    async idle() {
      if (gathering) {
        clearTimeout(gathering);
        gathering = null;
        if (!running) start();
      }
      while (running) await running;
    },
    stop() {
      stopped = true;
      if (gathering) clearTimeout(gathering);
      gathering = null;
      unsubscribe();
    },
  };
  trainers.set(store, trainer);
  return trainer;
}
