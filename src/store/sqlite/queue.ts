// The outbound queue's SQL: one queue_messages row per accepted message (holding a reference to its
// stored content) and one queue_recipients row per recipient. Always true: a recipient is claimed
// by moving next_attempt_at past the lease *before* anyone dials, so a crash mid-delivery delays
// it instead of retrying it at once; a message row lives while any recipient is pending or
// deferred, and its content reference is released in the transaction that finishes the last one.
import { stmt } from './statements.ts';
import type { Db } from './open.ts';
import type { WriteContext } from './group-commit.ts';
import { insertContent } from './contents.ts';
import type { ContentIndex } from '../contents.ts';
import { storeMessage } from './delivery.ts';
import { releaseContent } from './message-rows.ts';
import type { StoredCopy } from '../delivery.ts';
import { normalizeDomain } from '../addresses.ts';
import type { Queue } from '../api.ts';
import { OutcomeBatch, type AcceptInput, type ClaimedRecipient, type QueueBacklog, type QueueMessageRow, type QueueOutcome, type QueueRecipientRow } from '../queue.ts';

const EMPTY_INDEX: ContentIndex = { mimeTree: '', envelope: '', bodyStructure: '', body: '', headerText: '', searchText: '', sentDate: null, sentDay: null, addressText: '', sortKeys: '' };

// The destination as DNS knows it: lowercase A-label, so an IDN recipient's MX can be looked up.
function domainOfRecipient(address: string): string {
  return normalizeDomain(address.slice(address.lastIndexOf('@') + 1));
}

export class QueueStore implements Queue {
  private readonly db: Db;
  private readonly write: <T>(work: (tx: WriteContext) => T) => Promise<T>;

  private readonly listeners = new Set<() => void>();
  private readonly stmt;

  /** Called after a commit that stored a content row, so the full-text indexer runs (store.ts). */
  private readonly contentAdded: () => void;

  constructor(db: Db, write: <T>(work: (tx: WriteContext) => T) => Promise<T>, contentAdded: () => void) {
    this.db = db;
    this.write = write;
    this.contentAdded = contentAdded;
    // Prepared once: preparing per call was a tenth of the relay benchmark's CPU.
    this.stmt = {
      // The queue worker asks these on every pass.
      dueDomains: db.prepare(`SELECT domain FROM queue_recipients WHERE status IN ('pending', 'deferred') AND next_attempt_at <= ?
        GROUP BY domain ORDER BY min(next_attempt_at) LIMIT ?`).pluck(),
      countDue: db.prepare("SELECT count(*) FROM queue_recipients WHERE status IN ('pending', 'deferred') AND next_attempt_at <= ?").pluck(),
      insertMessage: db.prepare('INSERT INTO queue_messages (content_id, sender, account_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)'),
      addRef: db.prepare('UPDATE contents SET refcount = refcount + 1 WHERE id = ?'),
      insertRecipient: db.prepare(`INSERT INTO queue_recipients (message_id, recipient, domain, status, next_attempt_at, updated_at)
        VALUES (?, ?, ?, 'pending', ?, ?)`),
      contentOfCopy: db.prepare('SELECT content_id FROM messages WHERE mailbox_id = ? AND uid = ?').pluck(),
      claim: db.prepare(`SELECT r.id, r.message_id AS messageId, r.recipient, r.domain, r.attempts, r.last_error AS lastError, r.delay_notified_at AS delayNotifiedAt,
          m.sender, m.account_id AS accountId, m.content_id AS contentId, m.created_at AS createdAt, m.expires_at AS expiresAt
        FROM queue_recipients r JOIN queue_messages m ON m.id = r.message_id
        WHERE r.domain = ? AND r.status IN ('pending', 'deferred') AND r.next_attempt_at <= ?
        ORDER BY r.next_attempt_at, r.id LIMIT ?`),
      lease: db.prepare('UPDATE queue_recipients SET next_attempt_at = ?, updated_at = ? WHERE id = ?'),
      getRecipient: db.prepare('SELECT message_id AS messageId, history FROM queue_recipients WHERE id = ?'),
      updateRecipient: db.prepare(`UPDATE queue_recipients SET status = ?, attempts = attempts + 1, next_attempt_at = ?,
        last_error = ?, history = ?, updated_at = ?, delay_notified_at = coalesce(?, delay_notified_at) WHERE id = ?`),
      openRecipient: db.prepare("SELECT 1 FROM queue_recipients WHERE message_id = ? AND status IN ('pending', 'deferred') LIMIT 1"),
      contentOfMessage: db.prepare('SELECT content_id FROM queue_messages WHERE id = ?').pluck(),
      deleteMessage: db.prepare('DELETE FROM queue_messages WHERE id = ?'),
      // Counts walk the queue_due index; a message row exists only while a recipient waits.
      backlog: db.prepare(`SELECT (SELECT count(*) FROM queue_recipients WHERE status = 'pending') AS pending,
        (SELECT count(*) FROM queue_recipients WHERE status = 'deferred') AS deferred,
        (SELECT min(created_at) FROM queue_messages) AS oldestCreatedAt`),
    };
  }

  /** Calls `listener` after each commit that queued new recipients (the worker wakes up on it). */
  onEnqueued(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Local copies and queue rows for one accepted message, in one transaction: either every
   * recipient has it (in a mailbox or in the queue) or none does.
   */
  async accept(input: AcceptInput, now: number): Promise<{ copies: StoredCopy[]; queueMessageId: number | null }> {
    const result = await this.write((tx) => {
      let copies: StoredCopy[] = [];
      let contentId: number;
      if (input.localTargets.length > 0) {
        copies = storeMessage(this.db, tx, {
          raw: input.raw, prefix: input.prefix, index: input.index ?? EMPTY_INDEX,
          targets: input.localTargets, internalDate: input.internalDate, flags: [],
        }, now);
        const first = copies[0]!;
        contentId = this.stmt.contentOfCopy.get(first.mailboxId, first.uid) as number;
      } else {
        contentId = insertContent(this.db, input.raw, input.prefix, input.index ?? EMPTY_INDEX);
      }
      if (input.remoteRecipients.length === 0) return { copies, queueMessageId: null };
      const id = Number(this.stmt.insertMessage.run(contentId, input.sender, input.accountId, now, input.expiresAt).lastInsertRowid);
      this.stmt.addRef.run(contentId);
      for (const r of input.remoteRecipients) this.stmt.insertRecipient.run(id, r, domainOfRecipient(r), now, now);
      return { copies, queueMessageId: id };
    });
    this.contentAdded();
    if (result.queueMessageId !== null) for (const l of this.listeners) l();
    return result;
  }

  /** Destination domains with recipients due at `now`, soonest first. */
  async dueDomains(now: number, limit: number): Promise<string[]> {
    return this.stmt.dueDomains.all(now, limit) as string[];
  }

  /** Waiting recipients whose next attempt is at or before `at` (not yet claimed by a delivery). */
  async countDue(at: number): Promise<number> {
    return this.stmt.countDue.get(at) as number;
  }

  /** The earliest next_attempt_at of any waiting recipient, or null when the queue is idle. */
  async nextDue(): Promise<number | null> {
    return (this.db.prepare("SELECT min(next_attempt_at) FROM queue_recipients WHERE status IN ('pending', 'deferred')").pluck().get() as number | null) ?? null;
  }

  /** What is waiting, for the /metrics gauges: recipients by status and when the oldest waiting message was queued (null when none). */
  async backlog(): Promise<QueueBacklog> {
    return this.stmt.backlog.get() as QueueBacklog;
  }

  /** Claims up to `limit` due recipients of `domain`: their next attempt moves to `leaseUntil` before this resolves. */
  claimDue(domain: string, now: number, leaseUntil: number, limit: number): Promise<ClaimedRecipient[]> {
    return this.write(() => {
      const rows = this.stmt.claim.all(domain, now, limit) as ClaimedRecipient[];
      for (const r of rows) this.stmt.lease.run(leaseUntil, now, r.id);
      return rows;
    });
  }

  renewClaims(claims: readonly Pick<ClaimedRecipient, 'id' | 'attempts'>[], leaseUntil: number, newLeaseUntil: number): Promise<number[]> {
    const renew = stmt(this.db, `UPDATE queue_recipients SET next_attempt_at = ?
      WHERE id = ? AND attempts = ? AND next_attempt_at = ? AND status IN ('pending', 'deferred')`);
    return this.write(() => claims.filter((c) => renew.run(newLeaseUntil, c.id, c.attempts, leaseUntil).changes > 0).map((c) => c.id));
  }

  private readonly batch = new OutcomeBatch((outcomes, now) => this.record(outcomes, now));

  /**
   * Records outcomes together with the others that arrive within `windowMs`: one commit (one
   * fsync) for a burst of replies instead of one per message. Resolves after that commit.
   */
  recordSoon(outcomes: QueueOutcome[], now: number, windowMs: number): Promise<void> {
    return this.batch.add(outcomes, now, windowMs);
  }

  /** Records attempt outcomes; finished messages release their content. */
  record(outcomes: QueueOutcome[], now: number): Promise<void> {
    return this.write(() => {
      const get = this.stmt.getRecipient;
      const update = this.stmt.updateRecipient;
      const touched = new Set<number>();
      for (const o of outcomes) {
        const row = get.get(o.id) as { messageId: number; history: string } | undefined;
        if (!row) continue; // deleted by the operator meanwhile
        const history = JSON.parse(row.history) as unknown[];
        history.push({ at: now, ...(o.host ? { host: o.host } : {}), reply: o.reply });
        // Keep the history bounded: the first attempts and the latest ones say what happened.
        if (history.length > 20) history.splice(5, history.length - 20);
        update.run(o.status, o.nextAttemptAt ?? now, o.status === 'delivered' ? null : o.reply, JSON.stringify(history), now, o.delayNotified ? now : null, o.id);
        touched.add(row.messageId);
      }
      for (const id of touched) this.releaseIfFinished(id);
    });
  }

  private releaseIfFinished(messageId: number): void {
    const open = this.stmt.openRecipient.get(messageId);
    if (open) return;
    this.deleteMessageRows(messageId);
  }

  private deleteMessageRows(messageId: number): boolean {
    const content = this.stmt.contentOfMessage.get(messageId) as number | undefined;
    if (content === undefined) return false;
    this.stmt.deleteMessage.run(messageId);
    // Only this content can have become unreferenced: free it directly rather than scanning for garbage.
    releaseContent(this.db, content);
    return true;
  }

  async list(): Promise<QueueMessageRow[]> {
    const ids = this.db.prepare('SELECT id FROM queue_messages ORDER BY id').pluck().all() as number[];
    return ids.map((id) => this.messageRow(id)!).filter(Boolean);
  }

  async show(id: number): Promise<QueueMessageRow | null> {
    return this.messageRow(id);
  }

  private messageRow(id: number): QueueMessageRow | null {
    const m = this.db.prepare(`SELECT q.id, q.sender, q.account_id AS accountId, q.created_at AS createdAt, q.expires_at AS expiresAt, c.size
      FROM queue_messages q JOIN contents c ON c.id = q.content_id WHERE q.id = ?`).get(id) as Omit<QueueMessageRow, 'recipients'> | undefined;
    if (!m) return null;
    const recipients = (this.db.prepare(`SELECT id, message_id AS messageId, recipient, status, attempts, next_attempt_at AS nextAttemptAt,
      last_error AS lastError, history FROM queue_recipients WHERE message_id = ? ORDER BY id`).all(id) as (Omit<QueueRecipientRow, 'history'> & { history: string })[])
      .map((r) => ({ ...r, history: JSON.parse(r.history) }));
    return { ...m, recipients };
  }

  /** Makes the waiting recipients of message `id` (or of every message) due now. Returns how many. */
  retry(id: number | null, now: number): Promise<number> {
    return this.write(() => {
      const sql = `UPDATE queue_recipients SET next_attempt_at = ?, updated_at = ? WHERE status IN ('pending', 'deferred')${id === null ? '' : ' AND message_id = ?'}`;
      const params = id === null ? [now, now] : [now, now, id];
      return this.db.prepare(sql).run(...params).changes;
    });
  }

  /** Removes message `id` from the queue without a bounce. */
  delete(id: number): Promise<boolean> {
    return this.write(() => this.deleteMessageRows(id));
  }
}
