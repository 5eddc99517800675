// SUBSCRIBE and UNSUBSCRIBE (RFC 3501 §6.3.6-7): only existing mailboxes can be subscribed.
import { command, AUTHENTICATED } from './command.ts';
import { ok } from '../session/completion.ts';

export const subscribe = command({
  states: AUTHENTICATED,
  parse(r, s) {
    const name = r.mailbox(s.utf8);
    r.end();
    return name;
  },
  async run(s, name, cmd) {
    await s.services.mailboxes.setSubscribed(s.account!.id, name, cmd.name === 'SUBSCRIBE');
    return ok(`${cmd.name} completed`);
  },
});
