// CREATE (RFC 3501 §6.3.3): missing parents are created too; a trailing "/" is dropped.
import { command, AUTHENTICATED } from './command.ts';
import { no, ok } from '../session/completion.ts';
import { mailboxNameProblem } from '../protocol/mailbox-names.ts';

export const create = command({
  states: AUTHENTICATED,
  parse(r, s) {
    const name = r.mailbox(s.utf8);
    r.end();
    // RFC 3501 §6.3.3: "foo/" means create foo (as a future parent).
    return name.endsWith('/') && name.length > 1 ? name.slice(0, -1) : name;
  },
  async run(s, name) {
    if (name === 'INBOX') return no('INBOX already exists', 'ALREADYEXISTS');
    const problem = mailboxNameProblem(name);
    if (problem) return no(problem, 'CANNOT');
    await s.services.mailboxes.create(s.account!.id, name);
    return ok('CREATE completed');
  },
});
