// The PostgreSQL engine's queue area (the interface is Queue in src/store/api.ts).
import type { Queue } from '../api.ts';
import type { AcceptInput, ClaimedRecipient, QueueBacklog, QueueMessageRow, QueueOutcome } from '../queue.ts';
import type { StoredCopy } from '../delivery.ts';
import type { PgContext } from './context.ts';
import { notBuilt } from './not-built.ts';

export class PgQueue implements Queue {
  private readonly ctx: PgContext;

  constructor(ctx: PgContext) {
    this.ctx = ctx;
  }

  onEnqueued(listener: () => void): () => void {
    throw notBuilt('queue.onEnqueued');
  }

  async accept(input: AcceptInput, now: number): Promise<{ copies: StoredCopy[]; queueMessageId: number | null; }> {
    throw notBuilt('queue.accept');
  }

  async dueDomains(now: number, limit: number): Promise<string[]> {
    throw notBuilt('queue.dueDomains');
  }

  async countDue(at: number): Promise<number> {
    throw notBuilt('queue.countDue');
  }

  async nextDue(): Promise<number | null> {
    throw notBuilt('queue.nextDue');
  }

  async backlog(): Promise<QueueBacklog> {
    throw notBuilt('queue.backlog');
  }

  async claimDue(domain: string, now: number, leaseUntil: number, limit: number): Promise<ClaimedRecipient[]> {
    throw notBuilt('queue.claimDue');
  }

  async recordSoon(outcomes: QueueOutcome[], now: number, windowMs: number): Promise<void> {
    throw notBuilt('queue.recordSoon');
  }

  async record(outcomes: QueueOutcome[], now: number): Promise<void> {
    throw notBuilt('queue.record');
  }

  async list(): Promise<QueueMessageRow[]> {
    throw notBuilt('queue.list');
  }

  async show(id: number): Promise<QueueMessageRow | null> {
    throw notBuilt('queue.show');
  }

  async retry(id: number | null, now: number): Promise<number> {
    throw notBuilt('queue.retry');
  }

  async delete(id: number): Promise<boolean> {
    throw notBuilt('queue.delete');
  }
}
