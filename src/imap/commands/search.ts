// SEARCH and UID SEARCH (RFC 3501 §6.4.4) with ESEARCH return options (RFC 4731), SAVE (RFC 5182),
// MODSEQ (RFC 7162 §3.1.5) and CONTEXT=SEARCH (RFC 5267 §4: PARTIAL, UPDATE, CONTEXT as a hint). Session-specific keys (sequence numbers, \Recent, $) become UID
// sets here; the store evaluates the rest in one query.
import { command, SELECTED } from './command.ts';
import { bad, no, ok } from '../session/completion.ts';
import { parseSearchArguments, usesModseq, type SearchKey } from '../protocol/search-keys.ts';
import { normalize, resolve } from '../protocol/sequence-set.ts';
import { esearchItems, esearchLine } from '../protocol/esearch-response.ts';
import { IMAP_MAX_UPDATE_CONTEXTS } from '../../limits.ts';
import type { StoreSearchKey } from '../../store/search.ts';
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
    case 'threadid':
      // RFC 8474 §5.2: Postern does not thread across mailboxes, so every THREADID is NIL and no
      // message has the one asked for.
      return { op: 'uid', ranges: [] };
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
  uid: true,
  forbidsExpunge: (cmd) => !cmd.uid,
  parse: (r) => parseSearchArguments(r),
  async run(s, a, cmd) {
    if (a.charset !== null && !CHARSETS.has(a.charset.toUpperCase())) return no('Unsupported charset', 'BADCHARSET (US-ASCII UTF-8)');
    const view = s.selected!;
    // RFC 5267 §4.3: UPDATE under the tag of a live context is BAD.
    if (a.returns?.includes('UPDATE') && view.contexts.has(cmd.tag)) return bad('Tag reuse: a context with this tag is live');
    const modseq = usesModseq(a.key);
    if (modseq) s.enableCondstore();
    const storeKey = toStoreKey(a.key, view);
    const hits = (await s.services.search.search(view.id, storeKey)).filter((h) => view.seqOf(h.uid) > 0);
    const ids = hits.map((h) => (cmd.uid ? h.uid : view.seqOf(h.uid)));
    const maxModseq = hits.reduce((m, h) => Math.max(m, h.modseq), 0);
    const returns = a.returns;
    if (returns === null) {
      s.untagged(`SEARCH${ids.map((n) => ' ' + n).join('')}${modseq && ids.length > 0 ? ` (MODSEQ ${maxModseq})` : ''}`);
      return ok('SEARCH completed');
    }
    // RFC 4731 §3.1: the ESEARCH response carries the requested results only.
    const parts = esearchItems(ids, returns, a.partial);
    if (modseq && ids.length > 0) {
      // RFC 4731 §3.2: with only MIN and/or MAX, MODSEQ is the highest of the messages returned.
      const ends = !returns.includes('ALL') && !returns.includes('COUNT') && !returns.includes('PARTIAL')
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
    if (!(returns.length === 1 && returns[0] === 'SAVE')) s.untagged(esearchLine(cmd.tag, cmd.uid, parts));
    if (returns.includes('UPDATE')) {
      // RFC 5267 §4.3.1: over the limit the results still come, without updates.
      if (view.contexts.size >= IMAP_MAX_UPDATE_CONTEXTS) s.untagged(`NO [NOUPDATE "${cmd.tag}"] Too many updating contexts`);
      else view.contexts.addSearch(cmd.tag, cmd.uid, storeKey, hits.map((h) => h.uid));
    }
    return ok('SEARCH completed');
  },
});
