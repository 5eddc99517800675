// DELETE (RFC 3501 §6.3.4): INBOX cannot be deleted; a mailbox with children is refused (we keep no
// \Noselect placeholders). Deleting the selected mailbox deselects it.
import { command, AUTHENTICATED } from './command.ts';
import { no, ok } from '../session/completion.ts';

export const del = command({
  states: AUTHENTICATED,
  parse(r, s) {
    const name = r.mailbox(s.utf8);
    r.end();
    return name;
  },
  async run(s, name) {
    if (name === 'INBOX') return no('INBOX cannot be deleted', 'CANNOT');
    if (s.selected?.name === name) s.deselect();
    await s.services.mailboxes.delete(s.account!.id, name);
    return ok('DELETE completed');
  },
});
