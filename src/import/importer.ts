// Feeds imported messages through the one delivery function into an account's mailboxes. What must
// always be true: messages are stored in the order the source yields them (UIDs follow the source's
// order); the usual folders of other servers land in our special-use mailboxes (a Dovecot "Sent" is
// our \Sent, "Spam" our \Junk) instead of beside them; other folders are created as needed.
import { deliver } from '../delivery/deliver.ts';
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

/** Deliveries in flight at once: enough to share group commits, few enough to bound memory. */
const IMPORT_WINDOW = 16;

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
  const inFlight = new Set<Promise<unknown>>();
  let failure: unknown = null;
  let total = 0;
  for await (const message of source) {
    if (failure) break;
    const mailbox = targetMailbox(message.folder, options.into);
    if (!mailbox.startsWith('\\') && !ensured.has(mailbox)) {
      await store.ensureMailbox(accountId, mailbox);
      ensured.add(mailbox);
    }
    const p = deliver(store, {
      raw: message.raw,
      recipients: [{ accountId, mailbox }],
      flags: message.flags,
      ...(message.internalDate !== undefined ? { internalDate: message.internalDate } : {}),
    }).then(() => {
      perMailbox[mailbox] = (perMailbox[mailbox] ?? 0) + 1;
      total += 1;
      options.onMessage?.();
    }, (err: unknown) => { failure ??= err; });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    if (inFlight.size >= IMPORT_WINDOW) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (failure) throw failure;
  return { perMailbox, total };
}
