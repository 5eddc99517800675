// RENAME (RFC 3501 §6.3.5): children follow; renaming INBOX moves its messages to the new name.
import { command, AUTHENTICATED } from './command.ts';
import { no, ok } from '../session/completion.ts';
import { mailboxNameProblem } from '../protocol/mailbox-names.ts';

export const rename = command({
  states: AUTHENTICATED,
  parse(r, s) {
    const from = r.mailbox(s.utf8);
    const to = r.mailbox(s.utf8);
    r.end();
    return { from, to };
  },
  async run(s, { from, to }) {
    if (to === 'INBOX') return no('INBOX already exists', 'ALREADYEXISTS');
    const problem = mailboxNameProblem(to);
    if (problem) return no(problem, 'CANNOT');
    if (to.startsWith(from + '/')) return no('Cannot move a mailbox into itself', 'CANNOT');
    await s.services.mailboxes.rename(s.account!.id, from, to);
    return ok('RENAME completed');
  },
});
