// COPY and MOVE with their UID forms (RFC 3501 §6.4.7, RFC 6851, COPYUID RFC 4315 §3). MOVE reports
// COPYUID untagged, then the EXPUNGEs (or VANISHED), then OK (RFC 6851 §4.3). The destination may
// be the selected mailbox itself: the messages get new UIDs there, reported as EXISTS afterwards.
import { command, SELECTED } from './command.ts';
import { no, ok } from '../session/completion.ts';
import { indexRanges, uidRanges } from '../session/message-set.ts';
import { formatNumbers } from '../protocol/sequence-set.ts';

export const copy = command({
  states: SELECTED,
  uid: true,
  parse(r, s) {
    const set = r.sequenceSet();
    const mailbox = r.mailbox(s.utf8);
    r.end();
    return { set, mailbox };
  },
  async run(s, a, cmd) {
    const view = s.selected!;
    const { mailboxes, messages } = s.services;
    const ranges = uidRanges(view, indexRanges(view, a.set, cmd.uid));
    const target = await mailboxes.byName(s.account!.id, a.mailbox);
    if (!target) return no('No such mailbox', 'TRYCREATE');
    if (cmd.name === 'MOVE') {
      if (view.readOnly) return no('Mailbox is read-only', 'READ-ONLY');
      const r = await messages.move(s.account!.id, view.id, ranges, target.id);
      if (r.sourceUids.length === 0) return ok('No messages moved');
      view.markOwn('expunge', r.modseq);
      s.untagged(`OK [COPYUID ${r.uidValidity} ${formatNumbers(r.sourceUids)} ${formatNumbers(r.destinationUids)}] Moved`);
      s.reportExpunged(view.remove(r.sourceUids));
      return ok('MOVE completed');
    }
    const r = await messages.copy(s.account!.id, view.id, ranges, target.id);
    if (r.sourceUids.length === 0) return ok('No messages copied');
    return ok('COPY completed', `COPYUID ${r.uidValidity} ${formatNumbers(r.sourceUids)} ${formatNumbers(r.destinationUids)}`);
  },
});
