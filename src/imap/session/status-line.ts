// The data of an untagged STATUS response (RFC 3501 §7.2.4; HIGHESTMODSEQ RFC 7162 §3.1.6, SIZE
// RFC 8438, DELETED RFC 9051, MAILBOXID RFC 8474 §4), as STATUS, LIST-STATUS (RFC 5819) and NOTIFY (RFC 5465 §5.4) send it.
// Always true: items are answered in the order the client asked for them.
import { mailboxNameOnWire } from '../protocol/mailbox-name-encoding.ts';
import type { StatusItem } from '../protocol/status-items.ts';
import type { ImapMailbox } from '../../store/mailbox-views.ts';
import type { ImapSession } from './session.ts';

/** The STATUS data for `box`, or null when the mailbox was deleted meanwhile. */
export async function statusLine(s: ImapSession, box: ImapMailbox, items: readonly StatusItem[]): Promise<string | null> {
  const needsCounters = items.some((i) => i === 'MESSAGES' || i === 'UNSEEN' || i === 'SIZE' || i === 'DELETED');
  // One read for every item: on PostgreSQL other nodes commit between statements, and a UIDNEXT
  // older than MESSAGES would tell a client a message is missing. `box` gives only the name.
  const st = await s.services.mailboxes.status(box.id, needsCounters);
  if (!st) return null;
  const parts: string[] = [];
  for (const item of items) {
    // RFC 8474 §4: MAILBOXID (objectid); it never changes for a mailbox row, so `box` has it.
    if (item === 'MAILBOXID') {
      parts.push(`MAILBOXID (${box.objectId})`);
      continue;
    }
    let value: number;
    switch (item) {
      case 'MESSAGES': value = st.counters!.messages; break;
      case 'UNSEEN': value = st.counters!.unseen; break;
      case 'SIZE': value = st.counters!.size; break;
      case 'DELETED': value = st.counters!.deleted; break;
      case 'RECENT': value = st.recent; break;
      case 'UIDNEXT': value = st.uidNext; break;
      case 'UIDVALIDITY': value = st.uidValidity; break;
      case 'HIGHESTMODSEQ': value = st.highestModseq; break;
    }
    parts.push(`${item} ${value}`);
  }
  return `STATUS ${mailboxNameOnWire(box.name, s.utf8)} (${parts.join(' ')})`;
}
