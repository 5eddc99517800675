// The outbound queue's shapes, shared by both engines: what is accepted, claimed, recorded and
// listed. Always true: a claimed recipient is another's only after its lease ran out.
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
