// NOTIFY (RFC 5465 §3.1): NOTIFY NONE, or NOTIFY SET [STATUS] with event groups. An event Postern
// does not report is NO [BADEVENT (the ones it does)]; STATUS sends the current STATUS of every
// watched mailbox before the tagged OK. Always true: a refused NOTIFY leaves the previous one in force.
import { command, AUTHENTICATED } from './command.ts';
import { no, ok } from '../session/completion.ts';
import { parseNotifyArguments } from '../protocol/notify-arguments.ts';
import { Notifier, SUPPORTED_EVENTS } from '../session/notifier.ts';

export const notify = command({
  states: AUTHENTICATED,
  parse: (r, s) => parseNotifyArguments(r, s.utf8),
  async run(s, a) {
    if (a.kind === 'none') {
      s.notifier = new Notifier(s, []);
      return ok('NOTIFY completed');
    }
    if (a.groups.some((g) => g.events.some((e) => !SUPPORTED_EVENTS.includes(e)))) {
      return no('Unsupported NOTIFY event', `BADEVENT (${SUPPORTED_EVENTS.join(' ')})`);
    }
    const notifier = new Notifier(s, a.groups);
    await notifier.start();
    s.notifier = notifier;
    if (a.status) for (const line of await notifier.initialStatus()) s.untagged(line);
    return ok('NOTIFY completed');
  },
});
