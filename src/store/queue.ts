// The outbound queue's shapes, shared by both engines: what is accepted, claimed, recorded and
// listed, and the batching of recordSoon. Always true: a claimed recipient is another's only after
// its lease ran out; a batched outcome's promise settles only with the commit that recorded it.
import type { ContentIndex } from './contents.ts';
import type { StoreTarget } from './delivery.ts';

export interface AcceptInput {
  raw: Buffer;
  prefix: Buffer;
  /** The MIME index, required when there are local targets (IMAP reads it); queue-only content needs none. */
  index: ContentIndex | null;
  localTargets: StoreTarget[];
  internalDate: number;
  sender: string;
  accountId: number | null;
  remoteRecipients: string[];
  expiresAt: number;
}

export interface ClaimedRecipient {
  id: number;
  messageId: number;
  recipient: string;
  domain: string;
  attempts: number;
  sender: string;
  accountId: number | null;
  contentId: number;
  createdAt: number;
  expiresAt: number;
  lastError: string | null;
  /** When the sender was sent a delay notice for this recipient, or null. */
  delayNotifiedAt: number | null;
}

export interface QueueBacklog { pending: number; deferred: number; oldestCreatedAt: number | null }

export interface QueueMessageRow {
  id: number; sender: string; accountId: number | null; createdAt: number; expiresAt: number; size: number;
  recipients: QueueRecipientRow[];
}

export interface QueueOutcome {
  id: number;
  status: 'delivered' | 'deferred' | 'failed';
  /** For deferred: when to try again. */
  nextAttemptAt?: number;
  /** The reply or reason, also appended to the history. */
  reply: string;
  host?: string;
  /** A delay notice for this recipient went out with this attempt. */
  delayNotified?: boolean;
}

export interface QueueRecipientRow {
  id: number; messageId: number; recipient: string; status: QueueStatus; attempts: number;
  nextAttemptAt: number; lastError: string | null; history: { at: number; host?: string; reply: string }[];
}

export type QueueStatus = 'pending' | 'deferred' | 'delivered' | 'failed';

/**
 * Queue.recordSoon for either engine: outcomes that arrive within `windowMs` of the first are
 * recorded together by one `record` call (one commit instead of one per reply); every caller's
 * promise settles with that commit. The batch is this process's: until it commits, its recipients
 * stay leased.
 */
export class OutcomeBatch {
  private readonly record: (outcomes: QueueOutcome[], now: number) => Promise<void>;
  private batch: { outcomes: QueueOutcome[]; waiters: { resolve: () => void; reject: (e: unknown) => void }[]; now: number } | null = null;

  constructor(record: (outcomes: QueueOutcome[], now: number) => Promise<void>) {
    this.record = record;
  }

  add(outcomes: QueueOutcome[], now: number, windowMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.batch) {
        const batch = { outcomes: [] as QueueOutcome[], waiters: [] as { resolve: () => void; reject: (e: unknown) => void }[], now };
        this.batch = batch;
        setTimeout(() => {
          this.batch = null;
          this.record(batch.outcomes, batch.now).then(() => batch.waiters.forEach((w) => w.resolve()), (e) => batch.waiters.forEach((w) => w.reject(e)));
        }, windowMs);
      }
      this.batch.outcomes.push(...outcomes);
      this.batch.now = Math.max(this.batch.now, now);
      this.batch.waiters.push({ resolve, reject });
    });
  }
}
