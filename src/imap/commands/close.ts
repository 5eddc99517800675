// CLOSE (RFC 3501 §6.4.2: silently expunges when read-write) and UNSELECT (RFC 3691: does not).
import { command, SELECTED } from './command.ts';
import { ok } from '../session/completion.ts';

export const close = command({
  states: SELECTED,
  parse: (r) => r.end(),
  async run(s, _a, cmd) {
    const view = s.selected!;
    s.deselect();
    if (cmd.name === 'CLOSE' && !view.readOnly) await s.services.messages.expunge(s.account!.id, view.id, null);
    // RFC 7162 §3.2.11: CLOSED tells a QRESYNC client which responses belong to the old mailbox.
    return ok(`${cmd.name} completed`);
  },
});
