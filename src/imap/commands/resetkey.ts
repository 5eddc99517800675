// RESETKEY (RFC 4467 §6.1): without arguments every mailbox access key of the user is removed;
// with a mailbox, that mailbox gets a new key; either way the URLs generated under the old keys
// stop working. Mechanisms named after the mailbox must be INTERNAL, the only one offered.
import { command, AUTHENTICATED } from './command.ts';
import { no, ok } from '../session/completion.ts';
import { parseResetKeyArguments } from '../protocol/urlauth-arguments.ts';
import { ImapSyntaxError } from '../protocol/tokens.ts';
import { resetKeys, URLAUTH_MECHANISM } from '../session/urlauth.ts';

export const resetkey = command({
  states: AUTHENTICATED,
  parse(r, s) {
    const a = parseResetKeyArguments(r, () => r.mailbox(s.utf8));
    r.end();
    if (a.mechanisms.some((m) => m !== URLAUTH_MECHANISM)) throw new ImapSyntaxError('Unsupported URLAUTH mechanism');
    return a;
  },
  async run(s, a) {
    if (a.mailbox === null) {
      await resetKeys(s, null);
      return ok('All keys removed');
    }
    const box = await s.services.mailboxes.byName(s.account!.id, a.mailbox);
    if (!box || !(await resetKeys(s, box))) return no('No such mailbox', 'NONEXISTENT');
    // RFC 4467 §6.1: the tagged OK names the mechanisms the mailbox's new key serves.
    return ok('RESETKEY completed', `URLMECH ${URLAUTH_MECHANISM}`);
  },
});
