// STATUS data items (RFC 3501 §6.3.10, RFC 7162 §3.1.6 HIGHESTMODSEQ, RFC 8438 SIZE, RFC 8474 §4
// MAILBOXID). Pure.
// Always true: the parsed list has no duplicates and keeps the client's order.

import type { ArgumentReader } from './argument-reader.ts';
import { ImapSyntaxError } from './tokens.ts';

export type StatusItem = 'MESSAGES' | 'RECENT' | 'UIDNEXT' | 'UIDVALIDITY' | 'UNSEEN' | 'HIGHESTMODSEQ' | 'SIZE' | 'DELETED' | 'MAILBOXID';

const ITEMS = new Set<string>(['MESSAGES', 'RECENT', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN', 'HIGHESTMODSEQ', 'SIZE', 'DELETED', 'MAILBOXID']);

export function parseStatusItems(list: ArgumentReader): StatusItem[] {
  const items: StatusItem[] = [];
  while (list.more()) {
    const name = list.atom('status item').toUpperCase();
    if (!ITEMS.has(name)) throw new ImapSyntaxError(`Unknown status item ${name.slice(0, 40)}`);
    if (!items.includes(name as StatusItem)) items.push(name as StatusItem);
  }
  if (items.length === 0) throw new ImapSyntaxError('Empty status item list');
  return items;
}
