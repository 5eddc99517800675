// SELECT and EXAMINE (RFC 3501 §6.3.1-2) with CONDSTORE and QRESYNC parameters (RFC 7162 §3.1.8,
// §3.2.5). HIGHESTMODSEQ is in every successful reply (RFC 7162 §3.1.2.1), which lets clients such
// as Thunderbird resync incrementally, and so is MAILBOXID (RFC 8474 §4). EXAMINE never claims \Recent.
import { command, AUTHENTICATED } from './command.ts';
import { no, ok } from '../session/completion.ts';
import { parseSelectArguments } from '../protocol/select-parameters.ts';
import { ImapSyntaxError } from '../protocol/tokens.ts';
import { SelectedMailbox, flagsLines } from '../session/selected-mailbox.ts';
import { flagList } from '../session/flag-text.ts';
import { formatNumbers, resolve } from '../protocol/sequence-set.ts';

export const select = command({
  states: AUTHENTICATED,
  parse: (r, s) => parseSelectArguments(r, s.utf8),
  async run(s, a, cmd) {
    const readOnly = cmd.name === 'EXAMINE';
    // RFC 7162 §3.2.5: QRESYNC parameters need a prior ENABLE QRESYNC.
    if (a.qresync && !s.qresync) throw new ImapSyntaxError('ENABLE QRESYNC first');
    const { mailboxes, messages } = s.services;
    const hadSelected = s.selected !== null;
    s.beginSelect();
    if (hadSelected && s.qresync) s.untagged('OK [CLOSED] Previous mailbox closed');
    if (a.condstore) s.condstore = true;
    // One store call: the UIDs, keywords, first unseen and \Recent floor agree even while other
    // nodes commit. RFC 3501 §6.3.2: EXAMINE shows which messages are recent but leaves them
    // recent for others. Claiming \Recent is a write; when the store cannot write (a full disk)
    // SELECT is still a read: this session sees no \Recent and the messages stay recent for the
    // next one (RFC 3501 §2.3.2).
    let claimFailed = false;
    const snap = await mailboxes.selectSnapshot(s.account!.id, a.mailbox, !readOnly).catch((err: unknown) => {
      s.services.log.warn({ err, mailbox: a.mailbox }, 'could not claim \\Recent; selecting without it');
      claimFailed = true;
      return mailboxes.selectSnapshot(s.account!.id, a.mailbox, false);
    });
    if (!snap) {
      s.deselect();
      return no('No such mailbox', 'NONEXISTENT');
    }
    const { mailbox: box, uids, keywords, firstUnseenUid: firstUnseen } = snap;
    const floor = claimFailed ? (uids.length > 0 ? uids[uids.length - 1]! : 0) : snap.recentFloor;
    const view = new SelectedMailbox(box.id, box.name, readOnly, box.uidValidity, uids, box.highestModseq, floor);
    for (let i = view.lowerBound(floor + 1); i < uids.length; i++) view.recent.add(uids[i]!);
    for (const k of keywords) view.keywords.set(k.toLowerCase(), k);
    s.select(view);
    const [flagsLine, permanentLine] = flagsLines(view.keywords.values(), readOnly).split('\r\n');
    s.writeLine(flagsLine!);
    s.untagged(`${view.exists} EXISTS`);
    s.untagged(`${view.recent.size} RECENT`);
    if (firstUnseen !== null) {
      const seq = view.seqOf(firstUnseen);
      if (seq > 0) s.untagged(`OK [UNSEEN ${seq}] First unseen message`);
    }
    s.writeLine(permanentLine!);
    s.untagged(`OK [UIDVALIDITY ${box.uidValidity}] UIDs valid`);
    s.untagged(`OK [UIDNEXT ${box.uidNext}] Predicted next UID`);
    s.untagged(`OK [HIGHESTMODSEQ ${box.highestModseq}] Highest`);
    s.untagged(`OK [MAILBOXID (${box.objectId})] Ok`);
    const q = a.qresync;
    if (q && q.uidValidity === box.uidValidity) {
      // RFC 7162 §3.2.5.1: expunges since the client's modseq as VANISHED (EARLIER), then changes.
      const known = q.knownUids && !q.knownUids.saved ? resolve(q.knownUids.ranges, box.uidNext) : null;
      // Only UIDs the view does not hold: one expunged after the snapshot is announced as the
      // session catches up, not here as well.
      const vanished = (await messages.vanishedSince(box.id, q.modseq, known)).filter((u) => view.seqOf(u) === 0);
      if (vanished.length > 0) s.untagged(`VANISHED (EARLIER) ${formatNumbers(vanished)}`);
      for (const r of await messages.changedSince(box.id, q.modseq)) {
        const seq = view.seqOf(r.uid);
        if (seq === 0) continue;
        s.write(view.keywordAnnouncement(r.keywords));
        s.untagged(`${seq} FETCH (UID ${r.uid} FLAGS ${flagList(r.flags, r.keywords, view.recent.has(r.uid))} MODSEQ (${r.modseq}))`);
      }
    }
    return ok(`${cmd.name} completed`, readOnly ? 'READ-ONLY' : 'READ-WRITE');
  },
});
