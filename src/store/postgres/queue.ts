// The PostgreSQL engine's queue area (the interface is Queue in src/store/api.ts), ported statement
// by statement from src/store/sqlite/queue.ts, for several nodes working one queue. Always true:
// - a recipient is claimed by moving next_attempt_at to the lease's end *before* anyone dials, in
//   one statement whose row locks are taken FOR UPDATE SKIP LOCKED: two nodes claiming at once
//   never get the same recipient (a row locked by the other claim is skipped, and one the other
//   claim already leased fails the due test when it is rechecked), and a node that dies holding
//   claims gives them back when the lease runs out (the recipient is simply due again);
// - a message row lives while any recipient is pending or deferred, and its content reference is
//   released in the transaction that finishes the last one. Finishing locks the queue_messages
//   row first, so two nodes finishing two recipients of one message at once cannot both miss
//   that the other one was the last;
// - lock order (PG.md): accounts, mailboxes, messages (delivery of the local copies), then
//   queue_messages, queue_recipients, then contents and blobs;
// - other nodes learn of new recipients by a NOTIFY on 'postern_queue' sent after COMMIT, outside
//   the accepting transaction (a NOTIFY inside it would take the global notify lock at commit).
//   A missed notification costs only latency: workers also poll nextDue.
import { randomUUID } from 'node:crypto';
import type { Queue } from '../api.ts';
import { OutcomeBatch, type AcceptInput, type ClaimedRecipient, type QueueBacklog, type QueueMessageRow, type QueueOutcome, type QueueRecipientRow } from '../queue.ts';
import type { StoredCopy } from '../delivery.ts';
import type { ContentIndex } from '../contents.ts';
import { normalizeDomain } from '../addresses.ts';
import type { Tx } from './connect.ts';
import type { PgContext } from './context.ts';
import { storeMessage } from './delivery.ts';
import { insertContent } from './contents.ts';
import { releaseContents } from './message-rows.ts';

/** The LISTEN/NOTIFY channel on which nodes tell each other that recipients were queued. */
export const QUEUE_CHANNEL = 'postern_queue';

const EMPTY_INDEX: ContentIndex = { mimeTree: '', envelope: '', bodyStructure: '', body: '', headerText: '', searchText: '', sentDate: null, sentDay: null, addressText: '', sortKeys: '' };

// The destination as DNS knows it: lowercase A-label, so an IDN recipient's MX can be looked up.
function domainOfRecipient(address: string): string {
  return normalizeDomain(address.slice(address.lastIndexOf('@') + 1));
}

export class PgQueue implements Queue {
  private readonly ctx: PgContext;
  private readonly listeners = new Set<() => void>();
  /** Names this node in its notifications, so it does not wake its own worker twice. */
  private readonly node = randomUUID();
  private listening: Promise<{ unlisten: () => Promise<void> }> | null = null;
  private readonly batch = new OutcomeBatch((outcomes, now) => this.record(outcomes, now));

  constructor(ctx: PgContext) {
    this.ctx = ctx;
  }

  /**
   * Calls `listener` after each commit that queued new recipients, on this node or another (the
   * worker wakes up on it). The first listener opens the LISTEN connection; the last one closes it.
   */
  onEnqueued(listener: () => void): () => void {
    this.listeners.add(listener);
    if (!this.listening) {
      const listening = this.ctx.sql.listen(QUEUE_CHANNEL, (payload) => {
        if (payload !== this.node) this.wake();
      });
      // A failed LISTEN leaves the worker on its nextDue polling; the next listener tries again.
      listening.catch(() => {
        if (this.listening === listening) this.listening = null;
      });
      this.listening = listening;
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.listening) {
        const listening = this.listening;
        this.listening = null;
        listening.then((l) => l.unlisten(), () => {}).catch(() => {});
      }
    };
  }

  private wake(): void {
    for (const l of [...this.listeners]) l();
  }

  /**
   * Local copies and queue rows for one accepted message, in one transaction: either every
   * recipient has it (in a mailbox or in the queue) or none does.
   */
  async accept(input: AcceptInput, now: number): Promise<{ copies: StoredCopy[]; queueMessageId: number | null }> {
    const result = await this.ctx.write(async (tx, publish) => {
      let copies: StoredCopy[] = [];
      let contentId: number;
      if (input.localTargets.length > 0) {
        // The one way into a mailbox; the queue shares the content it stored.
        copies = await storeMessage(tx, publish, {
          raw: input.raw, prefix: input.prefix, index: input.index ?? EMPTY_INDEX,
          targets: input.localTargets, internalDate: input.internalDate, flags: [],
        }, now);
        const first = copies[0]!;
        const [row] = await tx<{ contentId: number }[]>`SELECT content_id AS "contentId" FROM messages WHERE mailbox_id = ${first.mailboxId} AND uid = ${first.uid}`;
        contentId = row!.contentId;
      } else {
        contentId = await insertContent(tx, input.raw, input.prefix, input.index ?? EMPTY_INDEX);
      }
      if (input.remoteRecipients.length === 0) return { copies, queueMessageId: null };
      const [message] = await tx<{ id: number }[]>`INSERT INTO queue_messages (content_id, sender, account_id, created_at, expires_at)
        VALUES (${contentId}, ${input.sender}, ${input.accountId}, ${now}, ${input.expiresAt}) RETURNING id`;
      const id = message!.id;
      const recipients = input.remoteRecipients.map((r) => ({
        message_id: id, recipient: r, domain: domainOfRecipient(r), status: 'pending', next_attempt_at: now, updated_at: now,
      }));
      await tx`INSERT INTO queue_recipients ${tx(recipients, 'message_id', 'recipient', 'domain', 'status', 'next_attempt_at', 'updated_at')}`;
      await tx`UPDATE contents SET refcount = refcount + 1 WHERE id = ${contentId}`;
      return { copies, queueMessageId: id };
    });
    if (result.queueMessageId !== null) {
      this.wake();
      // After COMMIT, on its own: the accept is durable already, so a failed NOTIFY only delays
      // the other nodes until they poll.
      this.ctx.sql`SELECT pg_notify(${QUEUE_CHANNEL}, ${this.node})`.catch(() => {});
    }
    return result;
  }

  /** Destination domains with recipients due at `now`, soonest first. */
  async dueDomains(now: number, limit: number): Promise<string[]> {
    const rows = await this.ctx.sql<{ domain: string }[]>`SELECT domain FROM queue_recipients
      WHERE status IN ('pending', 'deferred') AND next_attempt_at <= ${now}
      GROUP BY domain ORDER BY min(next_attempt_at) LIMIT ${limit}`;
    return rows.map((r) => r.domain);
  }

  /** Waiting recipients whose next attempt is at or before `at` (not yet claimed by a delivery). */
  async countDue(at: number): Promise<number> {
    const [r] = await this.ctx.sql<{ n: number }[]>`SELECT count(*) AS n FROM queue_recipients WHERE status IN ('pending', 'deferred') AND next_attempt_at <= ${at}`;
    return r!.n;
  }

  /** The earliest next_attempt_at of any waiting recipient, or null when the queue is idle. */
  async nextDue(): Promise<number | null> {
    const [r] = await this.ctx.sql<{ at: number | null }[]>`SELECT min(next_attempt_at) AS at FROM queue_recipients WHERE status IN ('pending', 'deferred')`;
    return r!.at ?? null;
  }

  /** What is waiting, for the /metrics gauges: recipients by status and when the oldest waiting message was queued (null when none). */
  async backlog(): Promise<QueueBacklog> {
    const [r] = await this.ctx.sql<QueueBacklog[]>`SELECT (SELECT count(*) FROM queue_recipients WHERE status = 'pending') AS pending,
      (SELECT count(*) FROM queue_recipients WHERE status = 'deferred') AS deferred,
      (SELECT min(created_at) FROM queue_messages) AS "oldestCreatedAt"`;
    return { pending: r!.pending, deferred: r!.deferred, oldestCreatedAt: r!.oldestCreatedAt ?? null };
  }

  /**
   * Claims up to `limit` due recipients of `domain`: their next attempt moves to `leaseUntil` in
   * the same statement that locks them, committed before this resolves.
   */
  async claimDue(domain: string, now: number, leaseUntil: number, limit: number): Promise<ClaimedRecipient[]> {
    const rows = await this.ctx.sql<(ClaimedRecipient & { dueAt: number })[]>`
      WITH due AS (
        SELECT r.id, r.next_attempt_at AS due_at FROM queue_recipients r
        WHERE r.domain = ${domain} AND r.status IN ('pending', 'deferred') AND r.next_attempt_at <= ${now}
        ORDER BY r.next_attempt_at, r.id LIMIT ${limit}
        FOR UPDATE SKIP LOCKED
      ), leased AS (
        UPDATE queue_recipients r SET next_attempt_at = ${leaseUntil}, updated_at = ${now} FROM due WHERE r.id = due.id
        RETURNING r.id, r.message_id, r.recipient, r.domain, r.attempts, r.last_error, r.delay_notified_at, due.due_at
      )
      SELECT l.id, l.message_id AS "messageId", l.recipient, l.domain, l.attempts, l.last_error AS "lastError", l.delay_notified_at AS "delayNotifiedAt",
        m.sender, m.account_id AS "accountId", m.content_id AS "contentId", m.created_at AS "createdAt", m.expires_at AS "expiresAt", l.due_at AS "dueAt"
      FROM leased l JOIN queue_messages m ON m.id = l.message_id
      ORDER BY l.due_at, l.id`;
    return rows.map(({ dueAt: _dueAt, ...r }) => r);
  }

  /**
   * Records outcomes together with the others that arrive within `windowMs` on this node: one
   * commit for a burst of replies instead of one per message. Resolves after that commit; until
   * then the recipients stay leased, so a node dying meanwhile only delays them.
   */
  recordSoon(outcomes: QueueOutcome[], now: number, windowMs: number): Promise<void> {
    return this.batch.add(outcomes, now, windowMs);
  }

  // Compare-and-set on the lease's end: a claim that ran out and was taken by another node, or
  // already recorded, is left alone.
  async renewClaims(claims: readonly Pick<ClaimedRecipient, 'id' | 'attempts'>[], leaseUntil: number, newLeaseUntil: number): Promise<number[]> {
    if (claims.length === 0) return [];
    // The rows are locked in ascending id, the order record() takes them in.
    return this.ctx.write(async (tx) => (await tx<{ id: number }[]>`
      WITH held AS (SELECT r.id FROM queue_recipients r
        JOIN unnest(${tx.array(claims.map((c) => c.id))}::bigint[], ${tx.array(claims.map((c) => c.attempts))}::bigint[]) AS c(id, attempts) ON c.id = r.id
        WHERE r.attempts = c.attempts AND r.next_attempt_at = ${leaseUntil} AND r.status IN ('pending', 'deferred') ORDER BY r.id FOR UPDATE OF r)
      UPDATE queue_recipients r SET next_attempt_at = ${newLeaseUntil} FROM held WHERE r.id = held.id
      RETURNING r.id`).map((r) => r.id));
  }

  /** Records attempt outcomes; finished messages release their content. */
  record(outcomes: QueueOutcome[], now: number): Promise<void> {
    if (outcomes.length === 0) return Promise.resolve();
    const ids = [...new Set(outcomes.map((o) => o.id))].sort((a, b) => a - b);
    return this.ctx.write(async (tx) => {
      // The messages first (see the top of this file), in ascending id.
      const messageIds = (await tx<{ id: number }[]>`SELECT m.id FROM queue_messages m
        WHERE m.id IN (SELECT message_id FROM queue_recipients WHERE id = ANY(${tx.array(ids)}::bigint[])) ORDER BY m.id FOR UPDATE`).map((r) => r.id);
      if (messageIds.length === 0) return;
      const rows = await tx<{ id: number; messageId: number; history: string }[]>`SELECT id, message_id AS "messageId", history FROM queue_recipients
        WHERE id = ANY(${tx.array(ids)}::bigint[]) ORDER BY id FOR UPDATE`;
      const found = new Map(rows.map((r) => [r.id, { messageId: r.messageId, history: JSON.parse(r.history) as unknown[] }]));
      // Applied in order, as SQLite's one UPDATE per outcome: the last outcome of a recipient wins
      // and each one adds an attempt and a history entry.
      const updates = new Map<number, { status: string; next_attempt_at: number; last_error: string | null; attempts: number; delay_notified_at: number | null }>();
      for (const o of outcomes) {
        const row = found.get(o.id);
        if (!row) continue; // deleted by the operator meanwhile
        row.history.push({ at: now, ...(o.host ? { host: o.host } : {}), reply: o.reply });
        // Keep the history bounded: the first attempts and the latest ones say what happened.
        if (row.history.length > 20) row.history.splice(5, row.history.length - 20);
        const before = updates.get(o.id);
        updates.set(o.id, {
          status: o.status, next_attempt_at: o.nextAttemptAt ?? now, last_error: o.status === 'delivered' ? null : o.reply,
          attempts: (before?.attempts ?? 0) + 1, delay_notified_at: o.delayNotified ? now : (before?.delay_notified_at ?? null),
        });
      }
      if (updates.size === 0) return;
      const values = JSON.stringify([...updates].map(([id, u]) => ({ id, ...u, history: JSON.stringify(found.get(id)!.history) })));
      await tx`UPDATE queue_recipients r SET status = v.status, attempts = r.attempts + v.attempts, next_attempt_at = v.next_attempt_at,
          last_error = v.last_error, history = v.history, updated_at = ${now}, delay_notified_at = coalesce(v.delay_notified_at, r.delay_notified_at)
        FROM jsonb_to_recordset(${values}::text::jsonb) AS v (id bigint, status text, attempts bigint, next_attempt_at bigint, last_error text,
          history text, delay_notified_at bigint)
        WHERE r.id = v.id`;
      const touched = [...new Set([...updates.keys()].map((id) => found.get(id)!.messageId))];
      const finished = (await tx<{ id: number }[]>`SELECT m.id FROM queue_messages m WHERE m.id = ANY(${tx.array(touched)}::bigint[])
        AND NOT EXISTS (SELECT 1 FROM queue_recipients r WHERE r.message_id = m.id AND r.status IN ('pending', 'deferred'))`).map((r) => r.id);
      await this.deleteMessageRows(tx, finished);
    });
  }

  // Deletes queue messages (their recipients cascade) and drops their content references. The
  // caller holds the messages' row locks.
  private async deleteMessageRows(tx: Tx, messageIds: readonly number[]): Promise<number> {
    if (messageIds.length === 0) return 0;
    const deleted = await tx<{ contentId: number }[]>`DELETE FROM queue_messages WHERE id = ANY(${tx.array([...messageIds])}::bigint[]) RETURNING content_id AS "contentId"`;
    // Only these contents can have become unreferenced: freed directly rather than by a scan for garbage.
    await releaseContents(tx, deleted.map((r) => r.contentId));
    return deleted.length;
  }

  async list(): Promise<QueueMessageRow[]> {
    return this.ctx.snapshot((tx) => this.messageRows(tx, null));
  }

  async show(id: number): Promise<QueueMessageRow | null> {
    return (await this.ctx.snapshot((tx) => this.messageRows(tx, id)))[0] ?? null;
  }

  // The messages (one, or all in id order) with their recipients, read in one snapshot.
  private async messageRows(tx: Tx, id: number | null): Promise<QueueMessageRow[]> {
    const messages = await tx<Omit<QueueMessageRow, 'recipients'>[]>`SELECT q.id, q.sender, q.account_id AS "accountId", q.created_at AS "createdAt",
        q.expires_at AS "expiresAt", c.size
      FROM queue_messages q JOIN contents c ON c.id = q.content_id WHERE ${id}::bigint IS NULL OR q.id = ${id}::bigint ORDER BY q.id`;
    if (messages.length === 0) return [];
    const recipients = await tx<(Omit<QueueRecipientRow, 'history'> & { history: string })[]>`SELECT id, message_id AS "messageId", recipient, status, attempts,
        next_attempt_at AS "nextAttemptAt", last_error AS "lastError", history
      FROM queue_recipients WHERE message_id = ANY(${tx.array(messages.map((m) => m.id))}::bigint[]) ORDER BY id`;
    const byMessage = new Map<number, QueueRecipientRow[]>(messages.map((m) => [m.id, []]));
    for (const r of recipients) byMessage.get(r.messageId)!.push({ ...r, history: JSON.parse(r.history) });
    return messages.map((m) => ({ ...m, recipients: byMessage.get(m.id)! }));
  }

  /** Makes the waiting recipients of message `id` (or of every message) due now. Returns how many. */
  async retry(id: number | null, now: number): Promise<number> {
    const result = await this.ctx.sql`UPDATE queue_recipients SET next_attempt_at = ${now}, updated_at = ${now}
      WHERE status IN ('pending', 'deferred') AND (${id}::bigint IS NULL OR message_id = ${id}::bigint)`;
    return result.count;
  }

  /** Removes message `id` from the queue without a bounce. */
  delete(id: number): Promise<boolean> {
    return this.ctx.write(async (tx) => {
      const locked = await tx`SELECT id FROM queue_messages WHERE id = ${id} FOR UPDATE`;
      if (locked.length === 0) return false;
      return (await this.deleteMessageRows(tx, [id])) > 0;
    });
  }
}
