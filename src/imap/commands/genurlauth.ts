// GENURLAUTH (RFC 4467 §6.2): an authorized URL for each rump URL of the user's own mailboxes, all
// in one untagged GENURLAUTH response, or no URL at all when any is refused (the reply names the
// first refused one). The work is in src/imap/session/urlauth.ts.
import { command, AUTHENTICATED } from './command.ts';
import { ok } from '../session/completion.ts';
import { parseGenUrlAuthArguments } from '../protocol/urlauth-arguments.ts';
import { imapString } from '../protocol/response-writer.ts';
import { generateUrl } from '../session/urlauth.ts';

export const genurlauth = command({
  states: AUTHENTICATED,
  parse(r) {
    const a = parseGenUrlAuthArguments(r);
    r.end();
    return a;
  },
  async run(s, a) {
    const urls: string[] = [];
    for (const req of a) urls.push(await generateUrl(s, req.url, req.mechanism));
    s.untagged(`GENURLAUTH ${urls.map((u) => imapString(u, s.utf8)).join(' ')}`);
    return ok('GENURLAUTH completed');
  },
});
