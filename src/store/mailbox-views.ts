// Mailboxes as IMAP sees them, for both engines: the view, its counters, the SELECT snapshot,
// the refusals (RFC 3501 §6.3) and the keyword list both engines build alike. Always true: a
// SelectSnapshot is one consistent read.

export interface ImapMailbox {
  id: number;
  name: string;
  specialUse: string | null;
  uidValidity: number;
  uidNext: number;
  highestModseq: number;
  /** Highest UID a read-write session has claimed as \Recent; those above are still recent. */
  recentUid: number;
  /** RFC 8474 §4 MAILBOXID: made with the row (src/store/object-ids.ts), kept by RENAME, never reused. */
  objectId: string;
}

export interface MailboxCounters {
  messages: number;
  unseen: number;
  deleted: number;
  size: number;
}

/** What STATUS reports (RFC 3501 §6.3.10), read at one moment: a UIDNEXT from before a delivery
 *  and a MESSAGES from after it would disagree. `counters` is null when they were not asked for. */
export interface MailboxStatus {
  uidNext: number;
  uidValidity: number;
  highestModseq: number;
  /** Messages above the \Recent floor: no session has seen them yet. */
  recent: number;
  counters: MailboxCounters | null;
}

export class MailboxExistsError extends Error {}

export class MailboxHasChildrenError extends Error {}

export class MailboxNotFoundError extends Error {}

/** What SELECT/EXAMINE shows (RFC 3501 §6.3.1), read in one consistent snapshot: on an engine
 *  where other nodes commit at any time, separate reads could disagree (a UID list without the
 *  message whose keyword is in the list, a first-unseen UID not in it). */
export interface SelectSnapshot {
  mailbox: ImapMailbox;
  /** Every UID, ascending. */
  uids: number[];
  firstUnseenUid: number | null;
  /** Keywords used in the mailbox, first spelling of each (case-insensitively). */
  keywords: string[];
  /** The \Recent floor before this SELECT: UIDs in `uids` above it are recent for this session. */
  recentFloor: number;
}

/** Keywords from space-separated lists, the first spelling of each kept (keywords are case-insensitive). */
export function distinctKeywords(lists: readonly string[]): string[] {
  const seen = new Map<string, string>();
  for (const list of lists) for (const k of list.split(' ')) if (k && !seen.has(k.toLowerCase())) seen.set(k.toLowerCase(), k);
  return [...seen.values()];
}
