// The PostgreSQL engine's spam area (the interface is Spam in src/store/api.ts), ported statement by
// statement from src/store/sqlite/spam.ts; the rows other areas write inside their own transactions
// (the verdict at delivery, the count moves) are in spam-rows.ts. Always true, across nodes:
// - token counts and reputation counters change only together with the message's `trained`
//   class, in one transaction that holds the spam_messages row lock, so a message is counted at
//   most once per class even when two nodes' trainers drain the same filing;
// - the outbound caps are exact across nodes: the day's counter row is locked before it is read,
//   so concurrent submissions of one account are counted one after the other;
// - greylisting and the Rejects mailbox are created once: a concurrent first sighting or first
//   use takes the existing row (a conflict, or the account row lock) instead of failing;
// - counts never go below zero.
import type { Spam } from '../api.ts';
import { countDeltas, isArrival, type ExplainRow, type OutboundCaps, type OutboundDecision, type PendingTraining, type ReputationRow, type Signal, type TokenCounts, type TrainingUpdate } from '../spam.ts';
import type { SpamClass } from '../spam-filing.ts';
import { REJECTS_MAILBOX } from '../spam-filing.ts';
import type { PgContext } from './context.ts';
import { readContentRange } from './contents.ts';
import { createMailboxRow, releaseMessages, tombstone } from './message-rows.ts';
import { applyDeltas } from './spam-rows.ts';

const DAY_MS = 86_400_000;

interface RejectRow { id: number; uid: number; contentId: number; size: number; mailboxId: number }

export class PgSpam implements Spam {
  private readonly ctx: PgContext;
  private readonly listeners = new Set<() => void>();

  constructor(ctx: PgContext) {
    this.ctx = ctx;
  }

  /**
   * Called after a commit on this node that recorded a filing (the trainer listens). Filings are
   * rows, so a filing recorded on a node that dies before training waits for any node's next drain.
   */
  onFiled(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** For the engine's areas: tell listeners a filing was committed. */
  notifyFiled(): void {
    for (const l of [...this.listeners]) l();
  }

  /** Filings not yet applied, oldest first. */
  async pending(limit: number): Promise<PendingTraining[]> {
    const rows = await this.ctx.sql<(Omit<PendingTraining, 'signals' | 'arrival'> & { signals: string; deliveredTo: string | null })[]>`SELECT account_id AS "accountId", content_id AS "contentId",
        wanted, trained, signals, delivered_to AS "deliveredTo" FROM spam_messages
      WHERE wanted IS DISTINCT FROM trained ORDER BY received_at, account_id, content_id LIMIT ${limit}`;
    return rows.map((r) => ({
      accountId: r.accountId, contentId: r.contentId, wanted: r.wanted, trained: r.trained, signals: JSON.parse(r.signals) as Signal[],
      arrival: isArrival(r.trained, r.wanted, r.deliveredTo),
    }));
  }

  /** The text delivery indexed for a content (decoded headers and body), and its first raw bytes; null once deleted. */
  async textOf(contentId: number, rawBytes: number): Promise<{ headerText: string; searchText: string; head: Buffer } | null> {
    // One snapshot: a content released by another node in between is either wholly there or gone.
    return this.ctx.snapshot(async (tx) => {
      const [row] = await tx<{ headerText: string; searchText: string }[]>`SELECT header_text AS "headerText", search_text AS "searchText" FROM contents WHERE id = ${contentId}`;
      if (!row) return null;
      return { headerText: row.headerText, searchText: row.searchText, head: await readContentRange(tx, contentId, 0, rawBytes) };
    });
  }

  /** Drops a filing whose message is gone (expunged before the trainer reached it). */
  async cancelFiling(p: PendingTraining): Promise<void> {
    await this.ctx.write(async (tx) => {
      await tx`UPDATE spam_messages SET wanted = trained WHERE account_id = ${p.accountId} AND content_id = ${p.contentId} AND wanted IS NOT DISTINCT FROM ${p.wanted}::text`;
    });
  }

  /** Applies pending filings in one transaction; one whose message was trained meanwhile (or is gone) moves nothing. Returns how many moved. */
  async applyTrainings(updates: readonly TrainingUpdate[]): Promise<number> {
    if (updates.length === 0) return 0;
    // Locked in one order (account, content) by every drain, so two nodes' trainers never deadlock.
    const unique = [...new Map(updates.map((u) => [`${u.pending.accountId}:${u.pending.contentId}`, u])).values()]
      .sort((x, y) => x.pending.accountId - y.pending.accountId || x.pending.contentId - y.pending.contentId);
    return this.ctx.write(async (tx) => {
      const rows = await tx<{ accountId: number; contentId: number; trained: SpamClass | null }[]>`
        SELECT m.account_id AS "accountId", m.content_id AS "contentId", m.trained FROM spam_messages m
        JOIN unnest(${tx.array(unique.map((u) => u.pending.accountId))}::bigint[], ${tx.array(unique.map((u) => u.pending.contentId))}::bigint[]) AS k(a, c)
          ON m.account_id = k.a AND m.content_id = k.c
        ORDER BY m.account_id, m.content_id FOR UPDATE OF m`;
      const now = new Map(rows.map((r) => [`${r.accountId}:${r.contentId}`, r.trained]));
      // Another drain (on any node) applied it meanwhile, or the account is gone: nothing to move.
      const applied = unique.filter((u) => {
        const key = `${u.pending.accountId}:${u.pending.contentId}`;
        return now.has(key) && now.get(key) === u.pending.trained;
      });
      if (applied.length === 0) return 0;
      // '' stands for untrained (NULL) in the array.
      await tx`UPDATE spam_messages m SET trained = NULLIF(k.t, '') FROM unnest(${tx.array(applied.map((u) => u.pending.accountId))}::bigint[],
          ${tx.array(applied.map((u) => u.pending.contentId))}::bigint[], ${tx.array(applied.map((u) => u.to ?? ''))}::text[]) AS k(a, c, t)
        WHERE m.account_id = k.a AND m.content_id = k.c`;
      for (const d of countDeltas(applied)) await applyDeltas(tx, d);
      return applied.length;
    });
  }

  // Each read is one statement, which PostgreSQL answers from one snapshot: the totals and the
  // tokens' counts (or the reputation rows and the 'replied' mark) always agree.
  async tokenCounts(accountId: number, tokens: readonly number[]): Promise<TokenCounts> {
    const rows = await this.ctx.sql<{ token: number | null; ham: number; spam: number }[]>`
      WITH t AS (SELECT ham, spam FROM spam_totals WHERE account_id = ${accountId})
      SELECT NULL::bigint AS token, ham, spam FROM t
      UNION ALL
      SELECT s.token, s.ham, s.spam FROM spam_tokens s
      WHERE s.account_id = ${accountId} AND s.token = ANY(${this.ctx.sql.array([...new Set(tokens)])}::bigint[])
        AND EXISTS (SELECT 1 FROM t WHERE t.ham + t.spam > 0)`;
    const t = rows.find((r) => r.token === null);
    const totals = t ? { ham: t.ham, spam: t.spam } : { ham: 0, spam: 0 };
    const counts = new Map<number, { ham: number; spam: number }>();
    for (const r of rows) if (r.token !== null) counts.set(r.token, { ham: r.ham, spam: r.spam });
    return { totals, counts };
  }

  /** Reputation counters for the given signals, plus 'replied' when the account has written to `from`. */
  async reputation(accountId: number, signals: readonly Signal[], from: string | null): Promise<ReputationRow[]> {
    const sql = this.ctx.sql;
    const rows = await sql<(ReputationRow & { replied: boolean })[]>`
      SELECT * FROM (
        SELECT r.kind, r.value, r.ham, r.spam, false AS replied FROM spam_reputation r
        WHERE r.account_id = ${accountId} AND (r.kind, r.value) IN (SELECT * FROM unnest(${sql.array(signals.map((s) => s[0]))}::text[], ${sql.array(signals.map((s) => s[1]))}::text[]))
        UNION ALL
        (SELECT 'replied', address, 1, 0, true FROM outbound_recipients WHERE account_id = ${accountId} AND address = ${from} LIMIT 1)
      ) x ORDER BY replied, kind COLLATE "C", value COLLATE "C"`;
    return rows.map((r) => ({ kind: r.kind, value: r.value, ham: r.ham, spam: r.spam }));
  }

  /** True when the account has any message held as ham from this domain (greylisting's exemption). */
  async hasHamFrom(accountId: number, domain: string): Promise<boolean> {
    const rows = await this.ctx.sql`SELECT 1 FROM spam_reputation WHERE account_id = ${accountId} AND kind IN ('dkim', 'spf', 'domain') AND value = ${domain} AND ham > 0 LIMIT 1`;
    return rows.length > 0;
  }

  async totals(accountId: number): Promise<{ ham: number; spam: number }> {
    const [t] = await this.ctx.sql<{ ham: number; spam: number }[]>`SELECT ham, spam FROM spam_totals WHERE account_id = ${accountId}`;
    return t ? { ham: t.ham, spam: t.spam } : { ham: 0, spam: 0 };
  }

  /** `spam explain`: what the filter recorded for the messages with this Message-ID. */
  async explain(accountId: number, messageId: string): Promise<ExplainRow[]> {
    const rows = await this.ctx.sql<(Omit<ExplainRow, 'reasons'> & { reasons: string | null })[]>`SELECT content_id AS "contentId", message_id AS "messageId",
        score, reasons, delivered_to AS "deliveredTo", wanted, trained, received_at AS "receivedAt"
      FROM spam_messages WHERE account_id = ${accountId} AND message_id = ${messageId.replace(/^<|>$/g, '')} ORDER BY received_at, content_id`;
    return rows.map((r) => ({ ...r, reasons: r.reasons ? JSON.parse(r.reasons) as string[] : [] }));
  }

  /** The sender signals recorded with a message at delivery. */
  async signalsOf(accountId: number, contentId: number): Promise<Signal[]> {
    const [row] = await this.ctx.sql<{ signals: string }[]>`SELECT signals FROM spam_messages WHERE account_id = ${accountId} AND content_id = ${contentId}`;
    return row ? JSON.parse(row.signals) as Signal[] : [];
  }

  /** The account's Rejects mailbox, created unsubscribed on first use. */
  async rejectsMailbox(accountId: number): Promise<number> {
    const [found] = await this.ctx.sql<{ id: number }[]>`SELECT id FROM mailboxes WHERE account_id = ${accountId} AND name = ${REJECTS_MAILBOX}`;
    if (found) return found.id;
    return this.ctx.write(async (tx, publish) => {
      // The account row first (lock order): a first use on two nodes at once creates one mailbox.
      await tx`SELECT id FROM accounts WHERE id = ${accountId} FOR UPDATE`;
      const [again] = await tx<{ id: number }[]>`SELECT id FROM mailboxes WHERE account_id = ${accountId} AND name = ${REJECTS_MAILBOX}`;
      if (again) return again.id;
      // Not subscribed (creating a mailbox never subscribes it): clients show it only when asked.
      const id = await createMailboxRow(tx, accountId, REJECTS_MAILBOX, null, this.ctx.clock.now());
      publish({ accountId, mailboxId: id, kind: 'mailboxes', uids: [], modseq: 0 });
      return id;
    });
  }

  /** Expunges Rejects messages stored before `before` (ms), at most `limit` per call; returns how many. */
  async expireRejects(before: number, limit: number): Promise<number> {
    return this.ctx.write(async (tx, publish) => {
      const candidates = await tx<{ id: number; mailboxId: number; accountId: number }[]>`SELECT m.id, b.id AS "mailboxId", b.account_id AS "accountId"
        FROM mailboxes b JOIN messages m ON m.mailbox_id = b.id WHERE b.name = ${REJECTS_MAILBOX} AND m.internal_date < ${before} ORDER BY m.id LIMIT ${limit}`;
      if (candidates.length === 0) return 0;
      // Lock order: the accounts, the mailboxes, then the messages; a row another node expunged
      // meanwhile is gone from the locked set and not counted.
      const accountIds = [...new Set(candidates.map((c) => c.accountId))].sort((a, b) => a - b);
      const mailboxIds = [...new Set(candidates.map((c) => c.mailboxId))].sort((a, b) => a - b);
      await tx`SELECT id FROM accounts WHERE id = ANY(${tx.array(accountIds)}::bigint[]) ORDER BY id FOR UPDATE`;
      await tx`SELECT id FROM mailboxes WHERE id = ANY(${tx.array(mailboxIds)}::bigint[]) ORDER BY id FOR UPDATE`;
      const rows = await tx<RejectRow[]>`SELECT id, uid, content_id AS "contentId", size,
          mailbox_id AS "mailboxId" FROM messages WHERE id = ANY(${tx.array(candidates.map((c) => c.id))}::bigint[]) ORDER BY id FOR UPDATE`;
      const accountOf = new Map(candidates.map((c) => [c.mailboxId, c.accountId]));
      const byBox = new Map<number, RejectRow[]>();
      for (const r of rows) {
        let list = byBox.get(r.mailboxId);
        if (!list) byBox.set(r.mailboxId, (list = []));
        list.push(r);
      }
      for (const [mailboxId, list] of [...byBox].sort((a, b) => a[0] - b[0])) {
        const accountId = accountOf.get(mailboxId)!;
        const uids = list.map((r) => r.uid);
        const modseq = await tombstone(tx, accountId, mailboxId, uids);
        await releaseMessages(tx, accountId, list);
        publish({ accountId, mailboxId, kind: 'expunge', uids, modseq });
      }
      return rows.length;
    });
  }

  /** Outbound caps: counts one submitted message to `recipients` unless a cap would be exceeded. */
  async countOutbound(accountId: number, recipients: readonly string[], caps: OutboundCaps): Promise<OutboundDecision> {
    const now = this.ctx.clock.now();
    const day = Math.floor(now / DAY_MS);
    const addresses = [...new Set(recipients.map((r) => r.toLowerCase()))];
    return this.ctx.write(async (tx) => {
      // The day's row exists (at zero) and is locked before it is read: concurrent submissions of
      // this account on any node are counted one after the other, so a cap is never overrun.
      await tx`INSERT INTO outbound_daily (account_id, day, messages, new_recipients) VALUES (${accountId}, ${day}, 0, 0) ON CONFLICT DO NOTHING`;
      const [today] = await tx<{ messages: number; newRecipients: number }[]>`SELECT messages, new_recipients AS "newRecipients" FROM outbound_daily
        WHERE account_id = ${accountId} AND day = ${day} FOR UPDATE`;
      const known = new Set((await tx<{ address: string }[]>`SELECT address FROM outbound_recipients
        WHERE account_id = ${accountId} AND address = ANY(${tx.array(addresses)}::text[])`).map((r) => r.address));
      const fresh = addresses.filter((r) => !known.has(r));
      if (caps.messagesPerDay > 0 && today!.messages + 1 > caps.messagesPerDay) return { ok: false, cap: 'messages', limit: caps.messagesPerDay } as const;
      if (caps.newRecipientsPerDay > 0 && today!.newRecipients + fresh.length > caps.newRecipientsPerDay) return { ok: false, cap: 'new-recipients', limit: caps.newRecipientsPerDay } as const;
      await tx`UPDATE outbound_daily SET messages = messages + 1, new_recipients = new_recipients + ${fresh.length} WHERE account_id = ${accountId} AND day = ${day}`;
      if (fresh.length > 0) {
        await tx`INSERT INTO outbound_recipients (account_id, address, first_at)
          SELECT ${accountId}, a, ${now} FROM unnest(${tx.array(fresh)}::text[]) AS a ON CONFLICT DO NOTHING`;
      }
      await tx`DELETE FROM outbound_daily WHERE account_id = ${accountId} AND day < ${day - 1}`;
      return { ok: true } as const;
    });
  }

  /** Greylisting: true when the triplet was first seen at least `delayMs` ago (recording it when new). */
  async greylistPasses(accountId: number, triplet: string, delayMs: number, keepMs: number): Promise<boolean> {
    const now = this.ctx.clock.now();
    return this.ctx.write(async (tx) => {
      await tx`DELETE FROM spam_greylist WHERE account_id = ${accountId} AND triplet = ${triplet} AND first_seen < ${now - keepMs}`;
      // New here or first seen by another node a moment ago: the row that exists now decides.
      const inserted = await tx`INSERT INTO spam_greylist (account_id, triplet, first_seen) VALUES (${accountId}, ${triplet}, ${now})
        ON CONFLICT DO NOTHING RETURNING 1`;
      if (inserted.length > 0) return false;
      const [seen] = await tx<{ firstSeen: number }[]>`SELECT first_seen AS "firstSeen" FROM spam_greylist WHERE account_id = ${accountId} AND triplet = ${triplet}`;
      return now - seen!.firstSeen >= delayMs;
    });
  }
}
