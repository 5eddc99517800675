// The data of an untagged STATUS response (RFC 3501 §7.2.4; HIGHESTMODSEQ RFC 7162 §3.1.6, SIZE
// RFC 8438, DELETED RFC 9051), as STATUS, LIST-STATUS (RFC 5819) and NOTIFY (RFC 5465 §5.4) send it.
// Always true: items are answered in the order the client asked for them.
import { mailboxNameOnWire } from '../protocol/mailbox-name-encoding.ts';
import type { StatusItem } from '../protocol/status-items.ts';
import type { ImapMailbox } from '../../store/imap-mailboxes.ts';
import type { ImapSession } from './session.ts';

export async function statusLine(s: ImapSession, box: ImapMailbox, items: readonly StatusItem[]): Promise<string> {
  const { mailboxes, messages } = s.services;
  const needsCounters = items.some((i) => i === 'MESSAGES' || i === 'UNSEEN' || i === 'SIZE' || i === 'DELETED');
  const counters = needsCounters ? await mailboxes.counters(box.id) : null;
  const parts: string[] = [];
  for (const item of items) {
    let value: number;
    switch (item) {
      case 'MESSAGES': value = counters!.messages; break;
      case 'UNSEEN': value = counters!.unseen; break;
      case 'SIZE': value = counters!.size; break;
      case 'DELETED': value = counters!.deleted; break;
      case 'RECENT': value = await messages.countAbove(box.id, box.recentUid); break;
      case 'UIDNEXT': value = box.uidNext; break;
      case 'UIDVALIDITY': value = box.uidValidity; break;
      case 'HIGHESTMODSEQ': value = box.highestModseq; break;
    }
    parts.push(`${item} ${value}`);
  }
  return `STATUS ${mailboxNameOnWire(box.name, s.utf8)} (${parts.join(' ')})`;
}
