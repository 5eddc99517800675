// STATUS (RFC 3501 §6.3.10; HIGHESTMODSEQ RFC 7162 §3.1.6; SIZE RFC 8438; DELETED RFC 9051). The
// item text is shared with LIST-STATUS (RFC 5819).
import { command, AUTHENTICATED } from './command.ts';
import { no, ok } from '../session/completion.ts';
import { parseStatusItems, type StatusItem } from '../protocol/status-items.ts';
import { mailboxNameOnWire } from '../protocol/mailbox-name-encoding.ts';
import type { ImapMailbox } from '../../store/imap-mailboxes.ts';
import type { ImapSession } from '../session/session.ts';

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

export const status = command({
  states: AUTHENTICATED,
  parse(r, s) {
    const mailbox = r.mailbox(s.utf8);
    const items = parseStatusItems(r.list('status items'));
    r.end();
    return { mailbox, items };
  },
  async run(s, a) {
    const box = await s.services.mailboxes.byName(s.account!.id, a.mailbox);
    if (!box) return no('No such mailbox', 'NONEXISTENT');
    s.untagged(await statusLine(s, box, a.items));
    return ok('STATUS completed');
  },
});
