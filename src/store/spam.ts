// What the spam filter keeps in the store, for both engines: pending trainings, token counts,
// reputation, explanations, outbound caps and what delivery records; and the one pure helper both
// engines use to apply a batch of trainings as summed count changes. Always true: a filing is
// trained once.
import type { SpamClass } from './spam-filing.ts';

export interface ExplainRow {
  contentId: number; messageId: string | null; score: number | null; reasons: string[]; deliveredTo: string | null;
  wanted: SpamClass | null; trained: SpamClass | null; receivedAt: number;
}

export interface OutboundCaps { messagesPerDay: number; newRecipientsPerDay: number }

export type OutboundDecision = { ok: true } | { ok: false; cap: 'messages' | 'new-recipients'; limit: number };

export interface PendingTraining {
  accountId: number; contentId: number; wanted: SpamClass | null; trained: SpamClass | null; signals: Signal[];
  /**
   * The training on arrival delivery asked for (never trained yet, and wanted is the class of the
   * folder it was delivered to), not a filing by the user: it is not forwarded to rspamd.
   */
  arrival: boolean;
}

/** Whether a pending row is delivery's training on arrival (see PendingTraining.arrival). */
export function isArrival(trained: SpamClass | null, wanted: SpamClass | null, deliveredTo: string | null): boolean {
  return trained === null && wanted !== null && wanted === (deliveredTo === 'inbox' ? 'ham' : deliveredTo === 'junk' ? 'spam' : null);
}

/** One pending filing to apply: its counts move from `pending.trained` to `to`. */
export interface TrainingUpdate { pending: PendingTraining; to: SpamClass | null; tokens: readonly number[] }

/** Summed count changes of one account: per token and per signal, [ham, spam] deltas. */
export interface CountDeltas {
  accountId: number;
  totals: [number, number];
  /** Sorted by token (PostgreSQL locks rows in one order). */
  tokens: [token: number, ham: number, spam: number][];
  /** Sorted by kind, then value. */
  signals: [kind: string, value: string, ham: number, spam: number][];
}

/**
 * The count changes of the given (already checked) updates, summed per account; entries whose
 * changes cancel out are left out. A message's tokens and signals count once each (deduplicated).
 */
export function countDeltas(updates: readonly TrainingUpdate[]): CountDeltas[] {
  const byAccount = new Map<number, { totals: [number, number]; tokens: Map<number, [number, number]>; signals: Map<string, [string, string, number, number]> }>();
  for (const u of updates) {
    const from = u.pending.trained;
    if (from === u.to) continue;
    const dh = (u.to === 'ham' ? 1 : 0) - (from === 'ham' ? 1 : 0);
    const ds = (u.to === 'spam' ? 1 : 0) - (from === 'spam' ? 1 : 0);
    let a = byAccount.get(u.pending.accountId);
    if (!a) byAccount.set(u.pending.accountId, (a = { totals: [0, 0], tokens: new Map(), signals: new Map() }));
    a.totals[0] += dh;
    a.totals[1] += ds;
    for (const t of new Set(u.tokens)) {
      const d = a.tokens.get(t);
      if (d) { d[0] += dh; d[1] += ds; } else a.tokens.set(t, [dh, ds]);
    }
    const seen = new Set<string>();
    for (const [kind, value] of u.pending.signals) {
      const key = `${kind}\0${value}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const d = a.signals.get(key);
      if (d) { d[2] += dh; d[3] += ds; } else a.signals.set(key, [kind, value, dh, ds]);
    }
  }
  return [...byAccount].sort((x, y) => x[0] - y[0]).map(([accountId, a]) => ({
    accountId,
    totals: a.totals,
    tokens: [...a.tokens].filter(([, d]) => d[0] !== 0 || d[1] !== 0).map(([t, d]) => [t, d[0], d[1]] as [number, number, number]).sort((x, y) => x[0] - y[0]),
    signals: [...a.signals.values()].filter((d) => d[2] !== 0 || d[3] !== 0)
      .sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0)),
  }));
}

export interface ReputationRow { kind: string; value: string; ham: number; spam: number }

/** A sender signal: [kind, value], e.g. ['domain', 'example.com'] or ['ip26', '192.0.2.0/26']. */
export type Signal = readonly [string, string];

/** What delivery records for one recipient account of a message the filter judged. */
export interface SpamDeliveryRecord {
  accountId: number;
  /**
   * Class it is to be trained as on arrival (where it was filed), or null (Rejects, or the filter
   * was sure: not trained). Recorded as a pending filing the trainer applies after the commit, in
   * batches, so the delivery transaction writes no token rows.
   */
  learnAs: SpamClass | null;
  signals: readonly Signal[];
  messageId: string | null;
  score: number;
  reasons: readonly string[];
  deliveredTo: 'inbox' | 'junk' | 'reject';
}

export interface TokenCounts { totals: { ham: number; spam: number }; counts: Map<number, { ham: number; spam: number }> }
