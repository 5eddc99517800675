// `postern queue list|show ID|retry ID|delete ID|flush`: inspect and act on the outbound queue.
// IDs are queue message ids (one message, all its recipients). `retry` and `flush` make waiting
// recipients due now; a running server picks them up within its poll interval (`flush --wait` shows
// progress until it has attempted every one). `delete` drops a message without a bounce.
import { QUEUE_USAGE } from './usage.ts';
import { parseArgs } from './args.ts';
import { withStore } from './context.ts';
import { OperationError, UsageError } from './errors.ts';
import { emit, table, type Output } from './output.ts';
import { systemClock } from '../clock.ts';
import type { QueueMessageRow } from '../store/queue.ts';
import { explainReply } from '../queue/rejections.ts';
import type { Store } from '../store/api.ts';
import { createProgress } from './progress.ts';
import { setTimeout as sleep } from 'node:timers/promises';


/** A running server claims due recipients within its poll interval; none claimed for this long means none is running. */
const FLUSH_STALL_MS = 60_000;
const FLUSH_POLL_MS = 250;

/** Shows progress while the running server attempts the flushed recipients; returns how many it did. */
async function waitForAttempts(store: Store, flushedAt: number, total: number): Promise<number> {
  const progress = createProgress({ label: 'flushing the queue', total, unit: 'recipients' });
  let attempted = 0;
  let lastChange = systemClock.now();
  while (attempted < total && systemClock.now() - lastChange < FLUSH_STALL_MS) {
    await sleep(FLUSH_POLL_MS);
    const now = total - Math.min(total, await store.queue.countDue(flushedAt));
    if (now > attempted) {
      progress.tick(now - attempted);
      attempted = now;
      lastChange = systemClock.now();
    }
  }
  progress.done();
  if (attempted < total) throw new OperationError(`no delivery attempt for ${FLUSH_STALL_MS / 1000} s: is "postern serve" running on this database?`);
  return attempted;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function messageId(text: string | undefined): number {
  if (!text || !/^\d+$/.test(text)) throw new UsageError(`usage: ${QUEUE_USAGE} (ID is a number from "postern queue list")`);
  return Number(text);
}

function summary(m: QueueMessageRow) {
  const waiting = m.recipients.filter((r) => r.status === 'pending' || r.status === 'deferred');
  const next = waiting.length > 0 ? Math.min(...waiting.map((r) => r.nextAttemptAt)) : null;
  return {
    id: m.id, sender: m.sender || '<>', recipients: m.recipients.map((r) => r.recipient), size: m.size,
    queued: iso(m.createdAt), next: next === null ? null : iso(next),
    attempts: Math.max(0, ...m.recipients.map((r) => r.attempts)),
    error: waiting.find((r) => r.lastError)?.lastError ?? null,
  };
}

export async function queueCommand(argv: string[], o: Output): Promise<void> {
  const args = parseArgs(argv, { wait: false });
  const [verb, idText, ...extra] = args.positionals;
  if (extra.length > 0) throw new UsageError(`usage: ${QUEUE_USAGE}`);
  switch (verb) {
    case 'list': {
      if (idText) throw new UsageError('usage: postern queue list');
      await withStore(args, async (store) => {
        const rows = (await store.queue.list()).map(summary);
        emit(o, rows, table(rows, ['id', 'sender', 'recipients', 'size', 'queued', 'next', 'attempts', 'error']));
      });
      return;
    }
    case 'show': {
      const id = messageId(idText);
      await withStore(args, async (store) => {
        const m = await store.queue.show(id);
        if (!m) throw new OperationError(`no queued message ${id} (see "postern queue list")`);
        const rows = m.recipients.map((r) => ({
          recipient: r.recipient, status: r.status, attempts: r.attempts, next: iso(r.nextAttemptAt), error: r.lastError,
        }));
        // A multi-line remote reply keeps its lines, indented under the attempt.
        const history = m.recipients.flatMap((r) => r.history.map((h) => `  ${iso(h.at)} ${r.recipient}${h.host ? ` via ${h.host}` : ''}: ${h.reply.replace(/\r?\n/g, '\n      ')}`));
        const advice = m.recipients.flatMap((r) => {
          const e = r.lastError ? explainReply(r.lastError) : null;
          return e ? [{ recipient: r.recipient, class: e.class, cause: e.cause, fix: e.fix }] : [];
        });
        const text = [`Message ${m.id} from ${m.sender || '<>'}, ${m.size} bytes, queued ${iso(m.createdAt)}, expires ${iso(m.expiresAt)}`,
          table(rows.map((r) => ({ ...r, error: r.error?.replace(/\r?\n/g, ' ') ?? null })), ['recipient', 'status', 'attempts', 'next', 'error']),
          ...(history.length ? ['History:', ...history] : []),
          ...(advice.length ? ['What to do:', ...advice.map((a) => `  ${a.recipient} (${a.class}): ${a.cause}.\n    Fix: ${a.fix}.`)] : [])].join('\n');
        emit(o, { ...m, advice }, text);
      });
      return;
    }
    case 'retry': {
      const id = messageId(idText);
      await withStore(args, async (store) => {
        const n = await store.queue.retry(id, systemClock.now());
        if (n === 0) throw new OperationError(`no waiting recipients for queued message ${id} (see "postern queue list")`);
        emit(o, { id, recipients: n }, `Message ${id}: ${n} recipient(s) due now.`);
      });
      return;
    }
    case 'delete': {
      const id = messageId(idText);
      await withStore(args, async (store) => {
        if (!(await store.queue.delete(id))) throw new OperationError(`no queued message ${id} (see "postern queue list")`);
        emit(o, { id, deleted: true }, `Deleted queued message ${id} (no bounce sent).`);
      });
      return;
    }
    case 'flush': {
      if (idText) throw new UsageError('usage: postern queue flush [--wait]');
      await withStore(args, async (store) => {
        const flushedAt = systemClock.now();
        const n = await store.queue.retry(null, flushedAt);
        if (!args.flags.has('wait') || n === 0) return emit(o, { recipients: n }, `${n} recipient(s) due now.`);
        const attempted = await waitForAttempts(store, flushedAt, n);
        emit(o, { recipients: n, attempted }, `${n} recipient(s) flushed, ${attempted} attempted.`);
      });
      return;
    }
    default:
      throw new UsageError(`usage: ${QUEUE_USAGE}`);
  }
}
