// EXPUNGE (RFC 3501 §6.4.3) and UID EXPUNGE (RFC 4315 §2.1): removes \Deleted messages, answered
// with EXPUNGE (or VANISHED under QRESYNC) for each, before the tagged OK.
import { command, SELECTED } from './command.ts';
import { no, ok } from '../session/completion.ts';
import { indexRanges, uidRanges } from '../session/message-set.ts';

export const expunge = command({
  states: SELECTED,
  uid: true,
  parse(r, _s, cmd) {
    const set = cmd.uid ? r.sequenceSet() : null;
    r.end();
    return set;
  },
  async run(s, set) {
    const view = s.selected!;
    if (view.readOnly) return no('Mailbox is read-only', 'READ-ONLY');
    const ranges = set ? uidRanges(view, indexRanges(view, set, true)) : null;
    if (ranges && ranges.length === 0) return ok('EXPUNGE completed');
    const result = await s.services.messages.expunge(s.account!.id, view.id, ranges);
    if (result.uids.length > 0) {
      view.markOwn('expunge', result.modseq);
      s.reportExpunged(view.remove(result.uids));
    }
    return ok('EXPUNGE completed', s.condstore ? `HIGHESTMODSEQ ${Math.max(view.highestModseq, result.modseq)}` : undefined);
  },
});
