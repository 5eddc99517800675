// CREATE (RFC 3501 §6.3.3): missing parents are created too; a trailing "/" is dropped. With
// CREATE-SPECIAL-USE (RFC 6154 §3) the new mailbox may carry one special-use attribute:
// CREATE name (USE (\Drafts)). A mailbox holds at most one, so a list of several is NO [USE].
// RFC 8474 §4: the OK carries the new mailbox's MAILBOXID.
import { command, AUTHENTICATED } from './command.ts';
import { no, ok } from '../session/completion.ts';
import { mailboxNameProblem } from '../protocol/mailbox-names.ts';
import { ImapSyntaxError } from '../protocol/tokens.ts';

/** RFC 6154 §2: the special-use attributes, by lower-cased name. */
const SPECIAL_USES = new Map(['\\All', '\\Archive', '\\Drafts', '\\Flagged', '\\Junk', '\\Sent', '\\Trash'].map((u) => [u.toLowerCase(), u]));

export const create = command({
  states: AUTHENTICATED,
  parse(r, s) {
    const raw = r.mailbox(s.utf8);
    const uses: string[] = [];
    if (r.peekList()) {
      // RFC 4466 §2.2 create-param list; USE is the only parameter Postern knows.
      const params = r.list('CREATE parameters');
      while (params.more()) {
        const name = params.atom('CREATE parameter').toUpperCase();
        if (name !== 'USE') throw new ImapSyntaxError(`Unknown CREATE parameter ${name.slice(0, 40)}`);
        const list = params.list('USE attributes');
        while (list.more()) uses.push(list.atom('special-use attribute'));
      }
    }
    r.end();
    // RFC 3501 §6.3.3: "foo/" means create foo (as a future parent).
    const name = raw.endsWith('/') && raw.length > 1 ? raw.slice(0, -1) : raw;
    return { name, uses };
  },
  async run(s, a) {
    if (a.name === 'INBOX') return no('INBOX already exists', 'ALREADYEXISTS');
    const problem = mailboxNameProblem(a.name);
    if (problem) return no(problem, 'CANNOT');
    const uses = a.uses.map((u) => SPECIAL_USES.get(u.toLowerCase()));
    if (uses.some((u) => u === undefined)) return no('Unknown special-use attribute', 'USE');
    if (uses.length > 1) return no('A mailbox has at most one special use here', 'USE');
    const box = await s.services.mailboxes.create(s.account!.id, a.name, uses[0] ?? null);
    return ok('CREATE completed', `MAILBOXID (${box.objectId})`);
  },
});
