// STORE and UID STORE (RFC 3501 §6.4.6) with UNCHANGEDSINCE (RFC 7162 §3.1.3): the change commits,
// then FETCH FLAGS is reported for each message unless .SILENT, and MODIFIED names what failed.
import { command, SELECTED } from './command.ts';
import { no, ok } from '../session/completion.ts';
import { parseStoreArguments } from '../protocol/store-arguments.ts';
import { formatNumbers } from '../protocol/sequence-set.ts';
import { indexRanges, uidRanges } from '../session/message-set.ts';
import { flagList } from '../session/flag-text.ts';

/** FETCH lines written per batch before waiting for the socket to drain. */
const LINES_PER_WRITE = 1000;

export const store = command({
  states: SELECTED,
  uid: true,
  forbidsExpunge: (cmd) => !cmd.uid,
  parse: (r) => parseStoreArguments(r),
  async run(s, a, cmd) {
    const view = s.selected!;
    if (view.readOnly) return no('Mailbox is read-only', 'READ-ONLY');
    const ranges = uidRanges(view, indexRanges(view, a.set, cmd.uid));
    // RFC 7162 §3.1: UNCHANGEDSINCE is a CONDSTORE-enabling command.
    if (a.unchangedSince !== null) s.enableCondstore();
    const result = await s.services.messages.storeFlags(s.account!.id, view.id, ranges, a.mode, a.flags, a.unchangedSince);
    for (const m of result.modseqs) view.markOwn('flags', m);
    if (!a.silent) {
      let text = '';
      let n = 0;
      for (const r of result.rows) {
        const seq = view.seqOf(r.uid);
        if (seq === 0) continue;
        const uid = cmd.uid || s.qresync ? ` UID ${r.uid}` : '';
        const modseq = s.condstore ? ` MODSEQ (${r.modseq})` : '';
        text += view.keywordAnnouncement(r.keywords);
        text += `* ${seq} FETCH (FLAGS ${flagList(r.flags, r.keywords, view.recent.has(r.uid))}${uid}${modseq})\r\n`;
        if (++n % LINES_PER_WRITE === 0) {
          s.write(text);
          text = '';
          await s.drain();
        }
      }
      if (text) s.write(text);
    }
    if (result.modified.length > 0) {
      const ids = cmd.uid ? result.modified : result.modified.map((u) => view.seqOf(u)).filter((n) => n > 0);
      return ok('Some messages were modified since', `MODIFIED ${formatNumbers(ids)}`);
    }
    return ok('STORE completed');
  },
});
