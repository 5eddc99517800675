// Feeds imported messages through the one delivery function into an account's mailboxes. What must
// always be true: messages are stored in the order the source yields them (UIDs follow the source's
// order) on either engine, so they go in batches, each one transaction (deliverAll), one batch
// committing while the next is read: concurrent single deliveries would keep that order only on
// SQLite, whose group commit runs them in call order; on PostgreSQL each is its own transaction and
// they commit in any order. The usual folders of other servers land in our special-use mailboxes (a Dovecot "Sent" is
// our \Sent, "Spam" our \Junk) instead of beside them; other folders are created as needed.
import { deliverAll } from '../delivery/deliver.ts';
import { IMPORT_BATCH_BYTES, IMPORT_BATCH_MESSAGES } from '../limits.ts';
import type { Store } from '../store/api.ts';
import type { ImportedMessage } from './message.ts';

// Names other servers and clients give their special folders (RFC 6154 §2 attributes on our side).
const SPECIAL_FOLDERS: Record<string, string> = {
  'sent': '\\Sent', 'sent messages': '\\Sent', 'sent items': '\\Sent', 'sent mail': '\\Sent',
  'drafts': '\\Drafts',
  'trash': '\\Trash', 'deleted messages': '\\Trash', 'deleted items': '\\Trash',
  'junk': '\\Junk', 'spam': '\\Junk', 'junk e-mail': '\\Junk',
  'archive': '\\Archive', 'archives': '\\Archive',
};

export interface ImportResult {
  /** Messages stored per target mailbox (name or special-use attribute). */
  perMailbox: Record<string, number>;
  total: number;
}

/** Where a source folder goes: INBOX, one of our special-use mailboxes, or a folder of that name. */
export function targetMailbox(folder: string[], into?: string): string {
  if (into) return folder.length ? `${into}/${folder.join('/')}` : into;
  if (folder.length === 0 || (folder.length === 1 && folder[0]!.toUpperCase() === 'INBOX')) return 'INBOX';
  if (folder.length === 1) {
    const special = SPECIAL_FOLDERS[folder[0]!.toLowerCase()];
    if (special) return special;
  }
  return folder.join('/');
}

export async function importMessages(store: Store, accountId: number, source: AsyncIterable<ImportedMessage>, options: { into?: string; onMessage?: () => void } = {}): Promise<ImportResult> {
  const perMailbox: Record<string, number> = {};
  const ensured = new Set<string>(['INBOX']);
  let total = 0;
  type Batch = { mailbox: string; message: ImportedMessage }[];
  const commit = async (batch: Batch) => {
    await deliverAll(store, batch.map(({ mailbox, message }) => ({
      raw: message.raw,
      recipients: [{ accountId, mailbox }],
      flags: message.flags,
      ...(message.internalDate !== undefined ? { internalDate: message.internalDate } : {}),
    })));
    for (const { mailbox } of batch) {
      perMailbox[mailbox] = (perMailbox[mailbox] ?? 0) + 1;
      total += 1;
      options.onMessage?.();
    }
  };
  // Never rejects: a batch's failure is kept and stops the import at the next message.
  let committing: Promise<void> = Promise.resolve();
  let failure: unknown = null;
  let batch: Batch = [];
  let batchBytes = 0;
  try {
    for await (const message of source) {
      if (failure) break;
      const mailbox = targetMailbox(message.folder, options.into);
      if (!mailbox.startsWith('\\') && !ensured.has(mailbox)) {
        await store.ensureMailbox(accountId, mailbox);
        ensured.add(mailbox);
      }
      batch.push({ mailbox, message });
      batchBytes += message.raw.length;
      if (batch.length >= IMPORT_BATCH_MESSAGES || batchBytes >= IMPORT_BATCH_BYTES) {
        // The batch before first: batches commit in the source's order.
        await committing;
        committing = commit(batch).catch((err: unknown) => { failure ??= err; });
        batch = [];
        batchBytes = 0;
      }
    }
  } finally {
    // A failed read still waits for the batch in flight, so nothing commits after we return.
    await committing;
  }
  if (!failure && batch.length > 0) await commit(batch);
  if (failure) throw failure;
  return { perMailbox, total };
}
