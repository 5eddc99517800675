// What the spam filter keeps in the store, for both engines: pending trainings, token counts,
// reputation, explanations, outbound caps and what delivery records. Always true: a filing is
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
}

export interface ReputationRow { kind: string; value: string; ham: number; spam: number }

/** A sender signal: [kind, value], e.g. ['domain', 'example.com'] or ['ip26', '192.0.2.0/26']. */
export type Signal = readonly [string, string];

/** What delivery records for one recipient account of a message the filter judged. */
export interface SpamDeliveryRecord {
  accountId: number;
  /** Class it is trained as on arrival (where it was filed), or null (Rejects: never trained). */
  learnAs: SpamClass | null;
  /** Token keys (src/spam/tokens.ts tokenKey). */
  tokens: readonly number[];
  signals: readonly Signal[];
  messageId: string | null;
  score: number;
  reasons: readonly string[];
  deliveredTo: 'inbox' | 'junk' | 'reject';
}

export interface TokenCounts { totals: { ham: number; spam: number }; counts: Map<number, { ham: number; spam: number }> }
