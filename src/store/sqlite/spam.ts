// The spam filter's storage (migration 0040): per account, what each stored message was filed as,
// the classifier's token counts, reputation counters per sender signal, the Rejects mailbox and
// its expiry, outbound caps and greylisting. The rules of what filing means live in src/spam; this
// module only records and counts. Always true: token counts and reputation counters change only
// together with the message's `trained` class, in one transaction, so a message is counted at most
// once per class (training on arrival too: delivery records it pending, the trainer applies it);
// a filing is recorded in the same transaction as the move, copy or flag change that caused it;
// counts never go below zero.
import type { Db } from './open.ts';
import type { SqliteStore } from './store.ts';
import type { WriteContext } from './group-commit.ts';
import { stmt } from './statements.ts';
import { createMailboxRow } from './accounts.ts';
import { releaseMessages, tombstone } from './message-rows.ts';
import { classOfFiling, classOfKeywords, REJECTS_MAILBOX, roleOf, type FiledBox, type SpamClass } from '../spam-filing.ts';
import type { Spam } from '../api.ts';
import { countDeltas, isArrival, type CountDeltas, type ExplainRow, type OutboundCaps, type OutboundDecision, type PendingTraining, type ReputationRow, type Signal, type SpamDeliveryRecord, type TokenCounts, type TrainingUpdate } from '../spam.ts';

export type { SpamClass } from '../spam-filing.ts';

const DAY_MS = 86_400_000;

// ---- inside other modules' transactions -------------------------------------------------------

/** Records that the user's filing asks for `cls`; the trainer applies it after commit. */
export function recordFiling(db: Db, accountId: number, contentIds: readonly number[], cls: SpamClass, now: number): void {
  const up = stmt(db, `INSERT INTO spam_messages (account_id, content_id, wanted, received_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (account_id, content_id) DO UPDATE SET wanted = excluded.wanted`);
  for (const id of contentIds) up.run(accountId, id, cls, now);
}

function boxOf(db: Db, mailboxId: number): FiledBox {
  return stmt(db, 'SELECT name, special_use AS specialUse FROM mailboxes WHERE id = ?').get(mailboxId) as FiledBox;
}

function junkNames(db: Db, accountId: number): string[] {
  return (stmt(db, "SELECT name FROM mailboxes WHERE account_id = ? AND special_use = '\\Junk'").all(accountId) as { name: string }[]).map((r) => r.name);
}

/** The class moving or copying from one mailbox to another trains, by src/store/spam-filing.ts. */
export function filingClassBetween(db: Db, accountId: number, fromId: number, toId: number): SpamClass | null {
  const junk = junkNames(db, accountId);
  return classOfFiling(roleOf(boxOf(db, fromId), junk), roleOf(boxOf(db, toId), junk));
}

/** After a keyword change: records filings for the rows whose keywords now train a class. */
export function recordKeywordFilings(db: Db, accountId: number, mailboxId: number, changes: readonly { uid: number; before: string; after: string }[], now: number): void {
  const contentOf = stmt(db, 'SELECT content_id AS contentId FROM messages WHERE mailbox_id = ? AND uid = ?');
  for (const c of changes) {
    const cls = classOfKeywords(c.before, c.after);
    const row = cls && contentOf.get(mailboxId, c.uid) as { contentId: number } | undefined;
    if (cls && row) recordFiling(db, accountId, [row.contentId], cls, now);
  }
}

/**
 * At delivery, in the delivery transaction: the verdict and, unless refused or sure, the training on
 * arrival as a pending filing (wanted, not yet trained): the trainer applies it after the commit,
 * with others in one transaction (applyTrainings), so a delivery writes no token rows.
 */
export function recordSpamDelivery(db: Db, contentId: number, r: SpamDeliveryRecord, now: number): void {
  stmt(db, `INSERT INTO spam_messages (account_id, content_id, wanted, trained, signals, message_id, score, reasons, delivered_to, received_at)
    VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (account_id, content_id) DO UPDATE SET wanted = excluded.wanted, signals = excluded.signals,
      message_id = excluded.message_id, score = excluded.score, reasons = excluded.reasons, delivered_to = excluded.delivered_to`)
    .run(r.accountId, contentId, r.learnAs, JSON.stringify(r.signals), r.messageId, r.score, JSON.stringify(r.reasons), r.deliveredTo, now);
}

/**
 * Applies summed count changes (src/store/spam.ts countDeltas): rows at zero go, nothing goes below
 * zero. Row by row through the primary key (a join with json_each lets the planner scan the table).
 */
function applyDeltas(db: Db, d: CountDeltas): void {
  const [ham, spam] = d.totals;
  stmt(db, `INSERT INTO spam_totals (account_id, ham, spam) VALUES (?, max(0, ?), max(0, ?))
    ON CONFLICT (account_id) DO UPDATE SET ham = max(0, ham + ?), spam = max(0, spam + ?)`).run(d.accountId, ham, spam, ham, spam);
  const tokenUpdate = stmt(db, 'UPDATE spam_tokens SET ham = max(0, ham + ?), spam = max(0, spam + ?) WHERE account_id = ? AND token = ?');
  const tokenInsert = stmt(db, 'INSERT INTO spam_tokens (account_id, token, ham, spam) VALUES (?, ?, ?, ?)');
  let emptied = false;
  for (const [token, h, s] of d.tokens) {
    if (tokenUpdate.run(h, s, d.accountId, token).changes > 0) emptied ||= h < 0 || s < 0;
    // A negative change for a row that is not there adds nothing.
    else if (h > 0 || s > 0) tokenInsert.run(d.accountId, token, Math.max(0, h), Math.max(0, s));
  }
  if (emptied) {
    stmt(db, 'DELETE FROM spam_tokens WHERE account_id = ? AND ham = 0 AND spam = 0 AND token IN (SELECT value ->> 0 FROM json_each(?))').run(d.accountId, JSON.stringify(d.tokens));
  }
  const signalUpdate = stmt(db, 'UPDATE spam_reputation SET ham = max(0, ham + ?), spam = max(0, spam + ?) WHERE account_id = ? AND kind = ? AND value = ?');
  const signalInsert = stmt(db, 'INSERT INTO spam_reputation (account_id, kind, value, ham, spam) VALUES (?, ?, ?, ?, ?)');
  for (const [kind, value, h, s] of d.signals) {
    if (signalUpdate.run(h, s, d.accountId, kind, value).changes === 0 && (h > 0 || s > 0)) signalInsert.run(d.accountId, kind, value, Math.max(0, h), Math.max(0, s));
  }
}

// ---- the store's spam area ----------------------------------------------------------------------

export class SpamStore implements Spam {
  private readonly store: SqliteStore;
  private readonly db: Db;
  private readonly listeners = new Set<(arrival: boolean) => void>();

  constructor(store: SqliteStore) {
    this.store = store;
    this.db = store.db;
  }

  /** Called after a commit that recorded a filing (the trainer listens). */
  onFiled(listener: (arrival: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** For store modules: tell listeners a filing was committed. */
  notifyFiled(arrival = false): void {
    for (const l of [...this.listeners]) l(arrival);
  }

  /** Filings not yet applied, oldest first. */
  async pending(limit: number): Promise<PendingTraining[]> {
    const rows = stmt(this.db, `SELECT account_id AS accountId, content_id AS contentId, wanted, trained, signals, delivered_to AS deliveredTo FROM spam_messages
      WHERE wanted IS NOT trained LIMIT ?`).all(limit) as (Omit<PendingTraining, 'signals' | 'arrival'> & { signals: string; deliveredTo: string | null })[];
    return rows.map(({ deliveredTo, ...r }) => ({ ...r, signals: JSON.parse(r.signals) as Signal[], arrival: isArrival(r.trained, r.wanted, deliveredTo) }));
  }

  /** The text delivery indexed for a content (decoded headers and body), and its first raw bytes; null once deleted. */
  async textOf(contentId: number, rawBytes: number): Promise<{ headerText: string; searchText: string; head: Buffer } | null> {
    const row = stmt(this.db, 'SELECT header_text AS headerText, search_text AS searchText FROM contents WHERE id = ?').get(contentId) as { headerText: string; searchText: string } | undefined;
    if (!row) return null;
    return { ...row, head: await this.store.contents.range(contentId, 0, rawBytes) };
  }

  /** Drops a filing whose message is gone (expunged before the trainer reached it). */
  async cancelFiling(p: PendingTraining): Promise<void> {
    await this.store.write(() => {
      stmt(this.db, 'UPDATE spam_messages SET wanted = trained WHERE account_id = ? AND content_id = ? AND wanted IS ?').run(p.accountId, p.contentId, p.wanted);
    });
  }

  /** Applies pending filings in one transaction; one whose message was trained meanwhile (or is gone) moves nothing. Returns how many moved. */
  async applyTrainings(updates: readonly TrainingUpdate[]): Promise<number> {
    if (updates.length === 0) return 0;
    return this.store.write(() => {
      const current = stmt(this.db, 'SELECT trained FROM spam_messages WHERE account_id = ? AND content_id = ?');
      const mark = stmt(this.db, 'UPDATE spam_messages SET trained = ? WHERE account_id = ? AND content_id = ?');
      const applied: TrainingUpdate[] = [];
      const claimed = new Set<string>();
      for (const u of updates) {
        const key = `${u.pending.accountId}:${u.pending.contentId}`;
        const row = current.get(u.pending.accountId, u.pending.contentId) as { trained: SpamClass | null } | undefined;
        // Another drain applied it meanwhile (or the account is gone, or it is twice in the batch): nothing to move.
        if (row === undefined || row.trained !== u.pending.trained || claimed.has(key)) continue;
        claimed.add(key);
        mark.run(u.to, u.pending.accountId, u.pending.contentId);
        applied.push(u);
      }
      for (const d of countDeltas(applied)) applyDeltas(this.db, d);
      return applied.length;
    });
  }

  async tokenCounts(accountId: number, tokens: readonly number[]): Promise<TokenCounts> {
    const totals = (stmt(this.db, 'SELECT ham, spam FROM spam_totals WHERE account_id = ?').get(accountId) as { ham: number; spam: number } | undefined) ?? { ham: 0, spam: 0 };
    const counts = new Map<number, { ham: number; spam: number }>();
    if (tokens.length === 0 || totals.ham + totals.spam === 0) return { totals, counts };
    const rows = stmt(this.db, 'SELECT token, ham, spam FROM spam_tokens WHERE account_id = ? AND token IN (SELECT value FROM json_each(?))')
      .all(accountId, JSON.stringify(tokens)) as { token: number; ham: number; spam: number }[];
    for (const r of rows) counts.set(r.token, { ham: r.ham, spam: r.spam });
    return { totals, counts };
  }

  /** Reputation counters for the given signals, plus 'replied' when the account has written to `from`. */
  async reputation(accountId: number, signals: readonly Signal[], from: string | null): Promise<ReputationRow[]> {
    const rows = stmt(this.db, `SELECT kind, value, ham, spam FROM spam_reputation
      WHERE account_id = ? AND (kind, value) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?))`).all(accountId, JSON.stringify(signals)) as ReputationRow[];
    if (from && stmt(this.db, 'SELECT 1 FROM outbound_recipients WHERE account_id = ? AND address = ?').get(accountId, from)) {
      rows.push({ kind: 'replied', value: from, ham: 1, spam: 0 });
    }
    return rows;
  }

  /** True when the account has any message held as ham from this domain (greylisting's exemption). */
  async hasHamFrom(accountId: number, domain: string): Promise<boolean> {
    const r = stmt(this.db, "SELECT ham FROM spam_reputation WHERE account_id = ? AND kind IN ('dkim', 'spf', 'domain') AND value = ? AND ham > 0 LIMIT 1").get(accountId, domain);
    return r !== undefined;
  }

  async totals(accountId: number): Promise<{ ham: number; spam: number }> {
    return (stmt(this.db, 'SELECT ham, spam FROM spam_totals WHERE account_id = ?').get(accountId) as { ham: number; spam: number } | undefined) ?? { ham: 0, spam: 0 };
  }

  /** `spam explain`: what the filter recorded for the messages with this Message-ID. */
  async explain(accountId: number, messageId: string): Promise<ExplainRow[]> {
    const rows = stmt(this.db, `SELECT content_id AS contentId, message_id AS messageId, score, reasons, delivered_to AS deliveredTo, wanted, trained, received_at AS receivedAt
      FROM spam_messages WHERE account_id = ? AND message_id = ? ORDER BY received_at`).all(accountId, messageId.replace(/^<|>$/g, '')) as (Omit<ExplainRow, 'reasons'> & { reasons: string | null })[];
    return rows.map((r) => ({ ...r, reasons: r.reasons ? JSON.parse(r.reasons) as string[] : [] }));
  }

  /** The sender signals recorded with a message at delivery. */
  async signalsOf(accountId: number, contentId: number): Promise<Signal[]> {
    const row = stmt(this.db, 'SELECT signals FROM spam_messages WHERE account_id = ? AND content_id = ?').get(accountId, contentId) as { signals: string } | undefined;
    return row ? JSON.parse(row.signals) as Signal[] : [];
  }

  /** The account's Rejects mailbox, created unsubscribed on first use. */
  async rejectsMailbox(accountId: number): Promise<number> {
    const found = stmt(this.db, 'SELECT id FROM mailboxes WHERE account_id = ? AND name = ?').get(accountId, REJECTS_MAILBOX) as { id: number } | undefined;
    if (found) return found.id;
    return this.store.write((tx) => {
      const again = stmt(this.db, 'SELECT id FROM mailboxes WHERE account_id = ? AND name = ?').get(accountId, REJECTS_MAILBOX) as { id: number } | undefined;
      if (again) return again.id;
      // Not subscribed (creating a mailbox never subscribes it): clients show it only when asked.
      const id = createMailboxRow(this.db, accountId, REJECTS_MAILBOX, null, this.store.clock.now());
      tx.publish({ accountId, mailboxId: id, kind: 'mailboxes', uids: [], modseq: 0 });
      return id;
    });
  }

  /** Expunges Rejects messages stored before `before` (ms), at most `limit` per call; returns how many. */
  async expireRejects(before: number, limit: number): Promise<number> {
    return this.store.write((tx) => expireRejectRows(this.db, tx, before, limit));
  }

  /** Outbound caps: counts one submitted message to `recipients` unless a cap would be exceeded. */
  async countOutbound(accountId: number, recipients: readonly string[], caps: OutboundCaps): Promise<OutboundDecision> {
    const now = this.store.clock.now();
    const day = Math.floor(now / DAY_MS);
    return this.store.write(() => {
      const today = (stmt(this.db, 'SELECT messages, new_recipients AS newRecipients FROM outbound_daily WHERE account_id = ? AND day = ?').get(accountId, day) as
        { messages: number; newRecipients: number } | undefined) ?? { messages: 0, newRecipients: 0 };
      const known = stmt(this.db, 'SELECT 1 FROM outbound_recipients WHERE account_id = ? AND address = ?');
      const fresh = [...new Set(recipients.map((r) => r.toLowerCase()))].filter((r) => !known.get(accountId, r));
      if (caps.messagesPerDay > 0 && today.messages + 1 > caps.messagesPerDay) return { ok: false, cap: 'messages', limit: caps.messagesPerDay } as const;
      if (caps.newRecipientsPerDay > 0 && today.newRecipients + fresh.length > caps.newRecipientsPerDay) return { ok: false, cap: 'new-recipients', limit: caps.newRecipientsPerDay } as const;
      stmt(this.db, `INSERT INTO outbound_daily (account_id, day, messages, new_recipients) VALUES (?, ?, 1, ?)
        ON CONFLICT (account_id, day) DO UPDATE SET messages = messages + 1, new_recipients = new_recipients + excluded.new_recipients`).run(accountId, day, fresh.length);
      const add = stmt(this.db, 'INSERT INTO outbound_recipients (account_id, address, first_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
      for (const r of fresh) add.run(accountId, r, now);
      stmt(this.db, 'DELETE FROM outbound_daily WHERE account_id = ? AND day < ?').run(accountId, day - 1);
      return { ok: true } as const;
    });
  }

  /** Greylisting: true when the triplet was first seen at least `delayMs` ago (recording it when new). */
  async greylistPasses(accountId: number, triplet: string, delayMs: number, keepMs: number): Promise<boolean> {
    const now = this.store.clock.now();
    return this.store.write(() => {
      stmt(this.db, 'DELETE FROM spam_greylist WHERE account_id = ? AND triplet = ? AND first_seen < ?').run(accountId, triplet, now - keepMs);
      const seen = stmt(this.db, 'SELECT first_seen AS firstSeen FROM spam_greylist WHERE account_id = ? AND triplet = ?').get(accountId, triplet) as { firstSeen: number } | undefined;
      if (seen === undefined) {
        stmt(this.db, 'INSERT INTO spam_greylist (account_id, triplet, first_seen) VALUES (?, ?, ?)').run(accountId, triplet, now);
        return false;
      }
      return now - seen.firstSeen >= delayMs;
    });
  }
}

function expireRejectRows(db: Db, tx: WriteContext, before: number, limit: number): number {
  const rows = stmt(db, `SELECT m.id, m.uid, m.content_id AS contentId, m.size, b.id AS mailboxId, b.account_id AS accountId
    FROM mailboxes b JOIN messages m ON m.mailbox_id = b.id WHERE b.name = ? AND m.internal_date < ? ORDER BY m.id LIMIT ?`)
    .all(REJECTS_MAILBOX, before, limit) as { id: number; uid: number; contentId: number; size: number; mailboxId: number; accountId: number }[];
  const byBox = new Map<number, typeof rows>();
  for (const r of rows) {
    let list = byBox.get(r.mailboxId);
    if (!list) byBox.set(r.mailboxId, (list = []));
    list.push(r);
  }
  for (const [mailboxId, list] of byBox) {
    const accountId = list[0]!.accountId;
    const modseq = tombstone(db, accountId, mailboxId, list);
    releaseMessages(db, accountId, list);
    tx.publish({ accountId, mailboxId, kind: 'expunge', uids: list.map((r) => r.uid), modseq });
  }
  return rows.length;
}
