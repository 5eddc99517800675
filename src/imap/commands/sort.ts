// SORT and UID SORT (RFC 5256 §3, SORT=DISPLAY RFC 5957, ESORT RFC 5267 §3) and THREAD (RFC 5256):
// the search runs as SEARCH's does, then the hits are ordered by the keys stored at delivery
// (contents.sort_keys), ties by sequence number. Nothing is reparsed.
import { command, SELECTED } from './command.ts';
import { no, ok } from '../session/completion.ts';
import { parseSortArguments, parseThreadArguments, type SortCriterion } from '../protocol/sort-arguments.ts';
import { orderedSubject, references, type ThreadInput } from '../protocol/threading.ts';
import { formatNumbers } from '../protocol/sequence-set.ts';
import { toStoreKey } from './search.ts';
import type { SortHit } from '../../store/imap-search.ts';
import type { SortKeys } from '../../mime/sort-keys.ts';
import type { ImapSession } from '../session/session.ts';
import type { SearchKey } from '../protocol/search-keys.ts';

const CHARSETS = new Set(['US-ASCII', 'UTF-8']);
const NO_KEYS: SortKeys = { s: '', r: false, f: '', t: '', c: '', df: '', dt: '', id: '', p: [] };

interface Entry { hit: SortHit; seq: number; keys: SortKeys; date: number }

async function hitsOf(s: ImapSession, key: SearchKey): Promise<Entry[]> {
  const view = s.selected!;
  const hits = await s.services.search.searchForSort(view.id, toStoreKey(key, view));
  const out: Entry[] = [];
  for (const hit of hits) {
    const seq = view.seqOf(hit.uid);
    if (seq === 0) continue;
    const keys = hit.sortKeys ? (JSON.parse(hit.sortKeys) as SortKeys) : NO_KEYS;
    // RFC 5256 §3: without a usable Date:, the INTERNALDATE is the sent date.
    out.push({ hit, seq, keys, date: hit.sentDate ?? hit.internalDate });
  }
  return out;
}

function value(e: Entry, c: SortCriterion): number | string {
  switch (c.key) {
    case 'ARRIVAL': return e.hit.internalDate;
    case 'DATE': return e.date;
    case 'SIZE': return e.hit.size;
    case 'SUBJECT': return e.keys.s;
    case 'FROM': return e.keys.f;
    case 'TO': return e.keys.t;
    case 'CC': return e.keys.c;
    case 'DISPLAYFROM': return e.keys.df;
    case 'DISPLAYTO': return e.keys.dt;
  }
}

function compareBy(criteria: readonly SortCriterion[]): (a: Entry, b: Entry) => number {
  return (a, b) => {
    for (const c of criteria) {
      const x = value(a, c);
      const y = value(b, c);
      const d = x < y ? -1 : x > y ? 1 : 0;
      if (d !== 0) return c.reverse ? -d : d;
    }
    // RFC 5256 §3: the final tie-breaker is the sequence number, never reversed.
    return a.seq - b.seq;
  };
}

export const sort = command({
  states: SELECTED,
  forbidsExpunge: (cmd) => !cmd.uid,
  parse: (r) => parseSortArguments(r),
  async run(s, a, cmd) {
    if (!CHARSETS.has(a.charset.toUpperCase())) return no('Unsupported charset', 'BADCHARSET (US-ASCII UTF-8)');
    const entries = await hitsOf(s, a.key);
    entries.sort(compareBy(a.criteria));
    const ids = entries.map((e) => (cmd.uid ? e.hit.uid : e.seq));
    if (a.returns === null) {
      s.untagged(`SORT${ids.map((n) => ' ' + n).join('')}`);
      return ok('SORT completed');
    }
    // RFC 5267 §3: ESORT answers with ESEARCH; MIN and MAX are the first and last in sort order.
    const parts: string[] = [];
    if (a.returns.includes('MIN') && ids.length > 0) parts.push(`MIN ${ids[0]}`);
    if (a.returns.includes('MAX') && ids.length > 0) parts.push(`MAX ${ids[ids.length - 1]}`);
    if (a.returns.includes('ALL') && ids.length > 0) parts.push(`ALL ${formatNumbers(ids)}`);
    if (a.returns.includes('COUNT')) parts.push(`COUNT ${ids.length}`);
    s.untagged(`ESEARCH (TAG "${cmd.tag}")${cmd.uid ? ' UID' : ''}${parts.map((p) => ' ' + p).join('')}`);
    return ok('SORT completed');
  },
});

export const thread = command({
  states: SELECTED,
  forbidsExpunge: (cmd) => !cmd.uid,
  parse: (r) => parseThreadArguments(r),
  async run(s, a, cmd) {
    if (!CHARSETS.has(a.charset.toUpperCase())) return no('Unsupported charset', 'BADCHARSET (US-ASCII UTF-8)');
    const entries = await hitsOf(s, a.key);
    const input = (list: Entry[]): ThreadInput[] => list.map((e) => ({
      id: cmd.uid ? e.hit.uid : e.seq, date: e.date, subject: e.keys.s, reply: e.keys.r, messageId: e.keys.id, parents: e.keys.p,
    }));
    let text: string;
    if (a.algorithm === 'ORDEREDSUBJECT') {
      // RFC 5256 §3: sorted by base subject, then sent date, then sequence.
      entries.sort(compareBy([{ key: 'SUBJECT', reverse: false }, { key: 'DATE', reverse: false }]));
      text = orderedSubject(input(entries));
    } else {
      text = references(input(entries));
    }
    s.untagged(`THREAD ${text}`.trimEnd());
    return ok('THREAD completed');
  },
});
