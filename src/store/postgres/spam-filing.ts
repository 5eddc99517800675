// The user's filings the spam filter learns from, recorded by the PostgreSQL engine inside the
// transaction of the COPY, MOVE or keyword change that caused them, as src/store/sqlite/spam.ts
// (recordFiling, filingClassBetween, recordKeywordFilings) does on SQLite; the rules of what a
// filing means stay in src/store/spam-filing.ts. Always true: only spam_messages.wanted changes here —
// the trainer applies it after commit, so counts move with `trained` alone.
import { classOfFiling, classOfKeywords, roleOf, type FiledBox, type SpamClass } from '../spam-filing.ts';
import type { Tx } from './connect.ts';

/** Records that the user's filing asks for `cls` for each content (one statement). */
export async function recordFiling(tx: Tx, accountId: number, contentIds: readonly number[], cls: SpamClass, now: number): Promise<void> {
  if (contentIds.length === 0) return;
  // Deduplicated and sorted: ON CONFLICT DO UPDATE may touch a row once per statement, and rows are locked in one order.
  const ids = [...new Set(contentIds)].sort((a, b) => a - b);
  await tx`INSERT INTO spam_messages (account_id, content_id, wanted, received_at)
    SELECT ${accountId}, c, ${cls}, ${now} FROM unnest(${tx.array(ids)}::bigint[]) AS c
    ON CONFLICT (account_id, content_id) DO UPDATE SET wanted = excluded.wanted`;
}

/** The class moving or copying from one mailbox to another trains, by src/store/spam-filing.ts. */
export async function filingClassBetween(tx: Tx, accountId: number, fromId: number, toId: number): Promise<SpamClass | null> {
  const boxes = await tx<(FiledBox & { id: number; junk: boolean })[]>`SELECT id, name, special_use AS "specialUse",
    special_use IS NOT DISTINCT FROM '\\Junk' AS junk FROM mailboxes WHERE account_id = ${accountId} AND (id = ANY(${tx.array([fromId, toId])}::bigint[]) OR special_use = '\\Junk')`;
  const junk = boxes.filter((b) => b.junk).map((b) => b.name);
  const box = (id: number): FiledBox => {
    const b = boxes.find((x) => x.id === id);
    return { name: b?.name ?? '', specialUse: b?.specialUse ?? null };
  };
  return classOfFiling(roleOf(box(fromId), junk), roleOf(box(toId), junk));
}

/** After a keyword change: records filings for the rows whose keywords now train a class. */
export async function recordKeywordFilings(tx: Tx, accountId: number, changes: readonly { contentId: number; before: string; after: string }[], now: number): Promise<void> {
  const byClass = new Map<SpamClass, number[]>();
  for (const c of changes) {
    const cls = classOfKeywords(c.before, c.after);
    if (cls) byClass.set(cls, [...(byClass.get(cls) ?? []), c.contentId]);
  }
  for (const [cls, ids] of byClass) await recordFiling(tx, accountId, ids, cls, now);
}
