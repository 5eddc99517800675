// SUBSCRIBE and UNSUBSCRIBE (RFC 3501 §6.3.6-7): subscriptions are names, so a name may be subscribed
// whether or not its mailbox exists (and stays subscribed when the mailbox is deleted).
import { command, AUTHENTICATED } from './command.ts';
import { no, ok } from '../session/completion.ts';
import { mailboxNameProblem } from '../protocol/mailbox-names.ts';

export const subscribe = command({
  states: AUTHENTICATED,
  parse(r, s) {
    const name = r.mailbox(s.utf8);
    r.end();
    return name;
  },
  async run(s, name, cmd) {
    const on = cmd.name === 'SUBSCRIBE';
    const problem = name === 'INBOX' ? null : mailboxNameProblem(name);
    if (on && problem) return no(problem, 'CANNOT');
    if (!(await s.services.mailboxes.setSubscribed(s.account!.id, name, on))) return no('Not subscribed', 'NONEXISTENT');
    return ok(`${cmd.name} completed`);
  },
});
