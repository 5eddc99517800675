// The spam filter's rows that other areas of the PostgreSQL engine write inside their own
// transaction, as src/store/sqlite/spam.ts: the verdict recorded with a delivered copy (spam_messages)
// and the move of a message's counts between classes (tokens, sender reputation, totals).
// Always true: counts never go below zero, and a row whose ham and spam are both 0 is removed.
import type { SpamDeliveryRecord, Signal } from '../spam.ts';
import type { SpamClass } from '../spam-filing.ts';
import type { Tx } from './connect.ts';

/** Records the verdict of one delivered message for one account (the row alone; see trainOnDelivery). */
export async function insertSpamMessage(tx: Tx, contentId: number, r: SpamDeliveryRecord, now: number): Promise<void> {
  await tx`INSERT INTO spam_messages (account_id, content_id, wanted, trained, signals, message_id, score, reasons, delivered_to, received_at)
    VALUES (${r.accountId}, ${contentId}, ${r.learnAs}, ${r.learnAs}, ${JSON.stringify(r.signals)}, ${r.messageId}, ${r.score},
      ${JSON.stringify(r.reasons)}, ${r.deliveredTo}, ${now})
    ON CONFLICT (account_id, content_id) DO UPDATE SET wanted = excluded.wanted, trained = excluded.trained, signals = excluded.signals,
      message_id = excluded.message_id, score = excluded.score, reasons = excluded.reasons, delivered_to = excluded.delivered_to`;
}

/** Trains the delivered message as it was filed (the counts' rows), after its account is locked. */
export async function trainOnDelivery(tx: Tx, r: SpamDeliveryRecord): Promise<void> {
  if (r.learnAs) await adjustCounts(tx, r.accountId, r.tokens, r.signals, null, r.learnAs);
}

/** Moves a message's counts from class `from` to class `to` (either may be null). */
export async function adjustCounts(tx: Tx, accountId: number, tokens: readonly number[], signals: readonly Signal[], from: SpamClass | null, to: SpamClass | null): Promise<void> {
  if (from === to) return;
  // Sorted and deduplicated: rows are locked in one order by every writer, and ON CONFLICT DO
  // UPDATE may not touch one row twice in a statement.
  const tokenList = [...new Set(tokens)].sort((a, b) => a - b);
  const pairs = [...new Map(signals.map((s) => [JSON.stringify(s), s])).values()].sort((a, b) => (a[0] + '\0' + a[1] < b[0] + '\0' + b[1] ? -1 : 1));
  const kinds = tx.array(pairs.map((s) => s[0]));
  const values = tx.array(pairs.map((s) => s[1]));
  const tokenArray = tx.array(tokenList);
  await tx`INSERT INTO spam_totals (account_id) VALUES (${accountId}) ON CONFLICT DO NOTHING`;
  if (from) {
    const col = tx(from);
    await tx`UPDATE spam_tokens SET ${col} = GREATEST(0, ${col} - 1) WHERE account_id = ${accountId} AND token = ANY(${tokenArray}::bigint[])`;
    await tx`DELETE FROM spam_tokens WHERE account_id = ${accountId} AND ham = 0 AND spam = 0 AND token = ANY(${tokenArray}::bigint[])`;
    await tx`UPDATE spam_reputation r SET ${col} = GREATEST(0, r.${col} - 1)
      FROM unnest(${kinds}::text[], ${values}::text[]) AS s(kind, value) WHERE r.account_id = ${accountId} AND r.kind = s.kind AND r.value = s.value`;
    await tx`UPDATE spam_totals SET ${col} = GREATEST(0, ${col} - 1) WHERE account_id = ${accountId}`;
  }
  if (to) {
    const ham = to === 'ham' ? 1 : 0;
    const spam = to === 'spam' ? 1 : 0;
    const col = tx(to);
    if (tokenList.length > 0) {
      await tx`INSERT INTO spam_tokens (account_id, token, ham, spam) SELECT ${accountId}, t, ${ham}, ${spam} FROM unnest(${tokenArray}::bigint[]) AS t
        ON CONFLICT (account_id, token) DO UPDATE SET ham = spam_tokens.ham + excluded.ham, spam = spam_tokens.spam + excluded.spam`;
    }
    if (pairs.length > 0) {
      await tx`INSERT INTO spam_reputation (account_id, kind, value, ham, spam)
        SELECT ${accountId}, kind, value, ${ham}, ${spam} FROM unnest(${kinds}::text[], ${values}::text[]) AS s(kind, value)
        ON CONFLICT (account_id, kind, value) DO UPDATE SET ham = spam_reputation.ham + excluded.ham, spam = spam_reputation.spam + excluded.spam`;
    }
    await tx`UPDATE spam_totals SET ${col} = ${col} + 1 WHERE account_id = ${accountId}`;
  }
}
