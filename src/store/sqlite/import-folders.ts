// Mailbox creation for `postern import`: the folders a Maildir brings along are created on first
// use, with their parents so the hierarchy lists without gaps. What must always be true: an existing
// mailbox is reused, never recreated (its UIDVALIDITY stays), and a new one gets a fresh UIDVALIDITY
// from the database-wide counter like every other mailbox.
import type { SqliteStore } from './store.ts';
import { createMailboxRow, subscribeName } from './accounts.ts';

/** Creates `name` (and its '/'-separated parents) for the account unless it exists. */
export function ensureMailbox(store: SqliteStore, accountId: number, name: string): Promise<void> {
  return store.write(() => {
    const parts = name.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const path = parts.slice(0, i).join('/');
      const exists = store.db.prepare('SELECT 1 FROM mailboxes WHERE account_id = ? AND name = ?').get(accountId, path);
      if (exists) continue;
      createMailboxRow(store.db, accountId, path, null, store.clock.now());
      // Imported folders are shown by clients that list only subscribed ones (Thunderbird).
      subscribeName(store.db, accountId, path);
    }
  });
}
