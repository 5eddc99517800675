// SELECT/EXAMINE parameters (RFC 7162 §3.1.8 CONDSTORE, §3.2.5 QRESYNC). Pure.
// Always true: known UIDs and the sequence match data are kept as sets for the session to resolve.

import { ArgumentReader } from './argument-reader.ts';
import { ImapSyntaxError } from './tokens.ts';
import type { SequenceSet } from './sequence-set.ts';

export interface QresyncParameters {
  uidValidity: number;
  modseq: number;
  knownUids: SequenceSet | null;
  seqMatch: { seqs: SequenceSet; uids: SequenceSet } | null;
}

export interface SelectArguments {
  mailbox: string;
  condstore: boolean;
  qresync: QresyncParameters | null;
}

export function parseSelectArguments(r: ArgumentReader, utf8: boolean): SelectArguments {
  const mailbox = r.mailbox(utf8);
  let condstore = false;
  let qresync: QresyncParameters | null = null;
  if (r.peekList()) {
    const params = r.list('select parameters');
    while (params.more()) {
      const name = params.atom('select parameter').toUpperCase();
      if (name === 'CONDSTORE') condstore = true;
      else if (name === 'QRESYNC' && qresync === null) qresync = parseQresync(params.list('QRESYNC parameters'));
      else throw new ImapSyntaxError(`Unknown select parameter ${name.slice(0, 40)}`);
    }
  }
  r.end();
  return { mailbox, condstore, qresync };
}

function parseQresync(q: ArgumentReader): QresyncParameters {
  const uidValidity = q.nzNumber('UIDVALIDITY');
  const modseq = q.modseq('mod-sequence', false);
  let knownUids: SequenceSet | null = null;
  let seqMatch: QresyncParameters['seqMatch'] = null;
  if (q.more() && !q.peekList()) knownUids = q.sequenceSet('known UIDs');
  if (q.more()) {
    const m = q.list('sequence match data');
    seqMatch = { seqs: m.sequenceSet(), uids: m.sequenceSet() };
    m.end();
  }
  q.end();
  return { uidValidity, modseq, knownUids, seqMatch };
}
