// SEARCH and UID SEARCH (RFC 3501 §6.4.4) with ESEARCH return options (RFC 4731), SAVE (RFC 5182)
// and MODSEQ (RFC 7162 §3.1.5). Session-specific keys (sequence numbers, \Recent, $) become UID
// sets here; the store evaluates the rest in one query.
import { command, SELECTED } from './command.ts';
import { no, ok } from '../session/completion.ts';
import { parseSearchArguments, usesModseq, type SearchKey } from '../protocol/search-keys.ts';
import { formatNumbers, normalize, resolve } from '../protocol/sequence-set.ts';
import type { StoreSearchKey } from '../../store/imap-search.ts';
import type { SelectedMailbox } from '../session/selected-mailbox.ts';

function uidRangesOf(uids: Iterable<number>): Array<[number, number]> {
  return normalize([...uids].map((u) => [u, u] as [number, number]));
}

/** Replaces what only the session knows (sequence numbers, \Recent, "$") by UID sets. */
export function toStoreKey(key: SearchKey, view: SelectedMailbox): StoreSearchKey {
  switch (key.op) {
    case 'seq': {
      if (key.set.saved) return { op: 'uid', ranges: uidRangesOf(view.saved) };
      const ranges: Array<[number, number]> = [];
      for (const [a, b] of resolve(key.set.ranges, view.exists)) {
        const to = Math.min(b, view.exists);
        if (a <= to) ranges.push([view.uids[a - 1]!, view.uids[to - 1]!]);
      }
      return { op: 'uid', ranges };
    }
    case 'uid': {
      if (key.set.saved) return { op: 'uid', ranges: uidRangesOf(view.saved) };
      const maxUid = view.exists > 0 ? view.uids[view.exists - 1]! : 0;
      return { op: 'uid', ranges: resolve(key.set.ranges, maxUid) };
    }
    case 'recent':
      return key.present ? { op: 'uid', ranges: uidRangesOf(view.recent) } : { op: 'not', key: { op: 'uid', ranges: uidRangesOf(view.recent) } };
    case 'new':
      return { op: 'and', keys: [{ op: 'uid', ranges: uidRangesOf(view.recent) }, { op: 'flag', flag: '\\Seen', present: false }] };
    case 'not':
      return { op: 'not', key: toStoreKey(key.key, view) };
    case 'or':
      return { op: 'or', a: toStoreKey(key.a, view), b: toStoreKey(key.b, view) };
    case 'and':
      return { op: 'and', keys: key.keys.map((k) => toStoreKey(k, view)) };
    default:
      return key;
  }
}

const CHARSETS = new Set(['US-ASCII', 'UTF-8']);

export const search = command({
  states: SELECTED,
  forbidsExpunge: (cmd) => !cmd.uid,
  parse: (r) => parseSearchArguments(r),
  async run(s, a, cmd) {
    if (a.charset !== null && !CHARSETS.has(a.charset.toUpperCase())) return no('Unsupported charset', 'BADCHARSET (US-ASCII UTF-8)');
    const view = s.selected!;
    const modseq = usesModseq(a.key);
    if (modseq) s.enableCondstore();
    const hits = (await s.services.search.search(view.id, toStoreKey(a.key, view))).filter((h) => view.seqOf(h.uid) > 0);
    const ids = hits.map((h) => (cmd.uid ? h.uid : view.seqOf(h.uid)));
    const maxModseq = hits.reduce((m, h) => Math.max(m, h.modseq), 0);
    const returns = a.returns;
    if (returns === null) {
      s.untagged(`SEARCH${ids.map((n) => ' ' + n).join('')}${modseq && ids.length > 0 ? ` (MODSEQ ${maxModseq})` : ''}`);
      return ok('SEARCH completed');
    }
    // RFC 4731 §3.1: the ESEARCH response carries the requested results only.
    const parts: string[] = [];
    if (returns.includes('MIN') && ids.length > 0) parts.push(`MIN ${ids[0]}`);
    if (returns.includes('MAX') && ids.length > 0) parts.push(`MAX ${ids[ids.length - 1]}`);
    if (returns.includes('ALL') && ids.length > 0) parts.push(`ALL ${formatNumbers(ids)}`);
    if (returns.includes('COUNT')) parts.push(`COUNT ${ids.length}`);
    if (modseq && ids.length > 0) {
      // RFC 4731 §3.2: with only MIN and/or MAX, MODSEQ is the highest of the messages returned.
      const ends = !returns.includes('ALL') && !returns.includes('COUNT')
        ? [...(returns.includes('MIN') ? [hits[0]!] : []), ...(returns.includes('MAX') ? [hits[hits.length - 1]!] : [])]
        : [];
      parts.push(`MODSEQ ${ends.length > 0 ? Math.max(...ends.map((h) => h.modseq)) : maxModseq}`);
    }
    if (returns.includes('SAVE')) {
      // RFC 5182 §2.4: with MIN/MAX (and not ALL/COUNT) only those are saved.
      const onlyEnds = (returns.includes('MIN') || returns.includes('MAX')) && !returns.includes('ALL') && !returns.includes('COUNT');
      const uids = hits.map((h) => h.uid);
      view.saved = onlyEnds && uids.length > 0
        ? [...new Set([...(returns.includes('MIN') ? [uids[0]!] : []), ...(returns.includes('MAX') ? [uids[uids.length - 1]!] : [])])]
        : uids;
    }
    if (!(returns.length === 1 && returns[0] === 'SAVE')) {
      s.untagged(`ESEARCH (TAG "${cmd.tag}")${cmd.uid ? ' UID' : ''}${parts.map((p) => ' ' + p).join('')}`);
    }
    return ok('SEARCH completed');
  },
});
