// The spam filter's rows that other areas of the PostgreSQL engine write inside their own
// transaction, as src/store/sqlite/spam.ts: the verdict recorded with a delivered copy (spam_messages)
// and the summed count changes of a batch of trainings (tokens, sender reputation, totals).
// Always true: counts never go below zero, and a row whose ham and spam are both 0 is removed.
import type { CountDeltas, SpamDeliveryRecord } from '../spam.ts';
import type { Tx } from './connect.ts';

/**
 * Records the verdict of one delivered message for one account and, unless refused or sure, the
 * training on arrival as a pending filing (wanted, not yet trained) the trainer applies after the
 * commit, in batches: delivery writes no token rows and holds no lock on them.
 */
export async function insertSpamMessage(tx: Tx, contentId: number, r: SpamDeliveryRecord, now: number): Promise<void> {
  await tx`INSERT INTO spam_messages (account_id, content_id, wanted, trained, signals, message_id, score, reasons, delivered_to, received_at)
    VALUES (${r.accountId}, ${contentId}, ${r.learnAs}, NULL, ${JSON.stringify(r.signals)}, ${r.messageId}, ${r.score},
      ${JSON.stringify(r.reasons)}, ${r.deliveredTo}, ${now})
    ON CONFLICT (account_id, content_id) DO UPDATE SET wanted = excluded.wanted, signals = excluded.signals,
      message_id = excluded.message_id, score = excluded.score, reasons = excluded.reasons, delivered_to = excluded.delivered_to`;
}

/** Applies summed count changes (src/store/spam.ts countDeltas) in row order: rows at zero go, nothing goes below zero. */
export async function applyDeltas(tx: Tx, d: CountDeltas): Promise<void> {
  const [ham, spam] = d.totals;
  await tx`INSERT INTO spam_totals (account_id, ham, spam) VALUES (${d.accountId}, GREATEST(0, ${ham}::int), GREATEST(0, ${spam}::int))
    ON CONFLICT (account_id) DO UPDATE SET ham = GREATEST(0, spam_totals.ham + ${ham}::int), spam = GREATEST(0, spam_totals.spam + ${spam}::int)`;
  if (d.tokens.length > 0) {
    const t = tx.array(d.tokens.map((x) => x[0]));
    const h = tx.array(d.tokens.map((x) => x[1]));
    const s = tx.array(d.tokens.map((x) => x[2]));
    // Existing rows first, then the new ones (a negative change for a row that is not there adds nothing).
    await tx`UPDATE spam_tokens st SET ham = GREATEST(0, st.ham + d.h), spam = GREATEST(0, st.spam + d.s)
      FROM unnest(${t}::bigint[], ${h}::int[], ${s}::int[]) AS d(t, h, s) WHERE st.account_id = ${d.accountId} AND st.token = d.t`;
    await tx`INSERT INTO spam_tokens (account_id, token, ham, spam)
      SELECT ${d.accountId}, d.t, GREATEST(0, d.h), GREATEST(0, d.s) FROM unnest(${t}::bigint[], ${h}::int[], ${s}::int[]) AS d(t, h, s) WHERE d.h > 0 OR d.s > 0
      ON CONFLICT (account_id, token) DO NOTHING`;
    await tx`DELETE FROM spam_tokens WHERE account_id = ${d.accountId} AND ham = 0 AND spam = 0 AND token = ANY(${t}::bigint[])`;
  }
  if (d.signals.length > 0) {
    const k = tx.array(d.signals.map((x) => x[0]));
    const v = tx.array(d.signals.map((x) => x[1]));
    const h = tx.array(d.signals.map((x) => x[2]));
    const s = tx.array(d.signals.map((x) => x[3]));
    await tx`UPDATE spam_reputation r SET ham = GREATEST(0, r.ham + d.h), spam = GREATEST(0, r.spam + d.s)
      FROM unnest(${k}::text[], ${v}::text[], ${h}::int[], ${s}::int[]) AS d(kind, value, h, s)
      WHERE r.account_id = ${d.accountId} AND r.kind = d.kind AND r.value = d.value`;
    await tx`INSERT INTO spam_reputation (account_id, kind, value, ham, spam)
      SELECT ${d.accountId}, d.kind, d.value, GREATEST(0, d.h), GREATEST(0, d.s)
      FROM unnest(${k}::text[], ${v}::text[], ${h}::int[], ${s}::int[]) AS d(kind, value, h, s) WHERE d.h > 0 OR d.s > 0
      ON CONFLICT (account_id, kind, value) DO NOTHING`;
  }
}
