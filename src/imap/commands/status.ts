// STATUS (RFC 3501 §6.3.10; HIGHESTMODSEQ RFC 7162 §3.1.6; SIZE RFC 8438; DELETED RFC 9051). The
// item text (session/status-line.ts) is shared with LIST-STATUS (RFC 5819) and NOTIFY.
import { command, AUTHENTICATED } from './command.ts';
import { no, ok } from '../session/completion.ts';
import { parseStatusItems } from '../protocol/status-items.ts';
import { statusLine } from '../session/status-line.ts';

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
    const line = box ? await statusLine(s, box, a.items) : null;
    if (!line) return no('No such mailbox', 'NONEXISTENT');
    s.untagged(line);
    return ok('STATUS completed');
  },
});
