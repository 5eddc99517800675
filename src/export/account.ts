// Walking one account for `postern export`: every mailbox, every message in UID order, with flags,
// keywords and the internal date, bytes exactly as IMAP BODY[] serves them. What must always be
// true: messages are read a page at a time (an account of any size exports in bounded memory), and
// the writer is told each mailbox before its messages.
import type { Store } from '../store/api.ts';
import type { MailboxRow } from '../store/mailboxes.ts';

/** Messages read per query. */
const PAGE = 200;

export interface ExportMessage { uid: number; flags: string[]; internalDate: number; pieces: AsyncIterable<Buffer> }

export interface ExportWriter {
  /** Starts a mailbox. */
  mailbox(box: MailboxRow): Promise<void>;
  message(m: ExportMessage): Promise<void>;
  /** Ends the current mailbox (after its last message). */
  endMailbox(): Promise<void>;
}

export interface ExportResult { mailboxes: number; messages: number }

export async function exportAccount(store: Store, accountId: number, writer: ExportWriter, onMessage?: () => void): Promise<ExportResult> {
  let messages = 0;
  const boxes = await store.mailboxes.list(accountId);
  for (const box of boxes) {
    await writer.mailbox(box);
    for (let page = await store.exportPage(box.id, 0, PAGE); page.length > 0; page = await store.exportPage(box.id, page.at(-1)!.uid, PAGE)) {
      for (const row of page) {
        await writer.message({ uid: row.uid, flags: row.flags, internalDate: row.internalDate, pieces: store.contents.pieces(row.contentId) });
        messages++;
        onMessage?.();
      }
    }
    await writer.endMailbox();
  }
  return { mailboxes: boxes.length, messages };
}
