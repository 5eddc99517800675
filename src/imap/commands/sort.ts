// SORT and UID SORT (RFC 5256 §3, SORT=DISPLAY RFC 5957, ESORT and CONTEXT=SORT RFC 5267) and THREAD
// (RFC 5256): the search runs as SEARCH's does, then the hits are ordered by the keys stored at
// delivery (contents.sort_keys), ties by sequence number (session/sort-order.ts). Nothing is
// reparsed. RETURN (UPDATE) keeps the sorted result up to date (session/search-contexts.ts).
import { command, SELECTED } from './command.ts';
import { bad, no, ok } from '../session/completion.ts';
import { parseSortArguments, parseThreadArguments } from '../protocol/sort-arguments.ts';
import { esearchItems, esearchLine } from '../protocol/esearch-response.ts';
import { IMAP_MAX_UPDATE_CONTEXTS } from '../../limits.ts';
import { orderedSubject, references, type ThreadInput } from '../protocol/threading.ts';
import { toStoreKey } from './search.ts';
import { sortBy, sortEntries, type SortEntry } from '../session/sort-order.ts';

const CHARSETS = new Set(['US-ASCII', 'UTF-8']);

export const sort = command({
  states: SELECTED,
  uid: true,
  forbidsExpunge: (cmd) => !cmd.uid,
  parse: (r) => parseSortArguments(r),
  async run(s, a, cmd) {
    if (!CHARSETS.has(a.charset.toUpperCase())) return no('Unsupported charset', 'BADCHARSET (US-ASCII UTF-8)');
    const view = s.selected!;
    if (a.returns?.includes('UPDATE') && view.contexts.has(cmd.tag)) return bad('Tag reuse: a context with this tag is live');
    const storeKey = toStoreKey(a.key, view);
    const order = sortBy(await sortEntries(s, storeKey), a.criteria);
    const ids = order.map((r) => (cmd.uid ? r.uid : view.seqOf(r.uid)));
    if (a.returns === null) {
      s.untagged(`SORT${ids.map((n) => ' ' + n).join('')}`);
      return ok('SORT completed');
    }
    // RFC 5267 §3.1: ESORT answers with ESEARCH; MIN and MAX are the first and last in sort order,
    // PARTIAL's positions count in sort order too (§4.4).
    s.untagged(esearchLine(cmd.tag, cmd.uid, esearchItems(ids, a.returns, a.partial)));
    if (a.returns.includes('UPDATE')) {
      if (view.contexts.size >= IMAP_MAX_UPDATE_CONTEXTS) s.untagged(`NO [NOUPDATE "${cmd.tag}"] Too many updating contexts`);
      else view.contexts.addSort(cmd.tag, cmd.uid, storeKey, a.criteria, order);
    }
    return ok('SORT completed');
  },
});

export const thread = command({
  states: SELECTED,
  uid: true,
  forbidsExpunge: (cmd) => !cmd.uid,
  parse: (r) => parseThreadArguments(r),
  async run(s, a, cmd) {
    if (!CHARSETS.has(a.charset.toUpperCase())) return no('Unsupported charset', 'BADCHARSET (US-ASCII UTF-8)');
    const view = s.selected!;
    const entries = await sortEntries(s, toStoreKey(a.key, view));
    const input = (list: readonly SortEntry[]): ThreadInput[] => list.map((e) => ({
      id: cmd.uid ? e.hit.uid : view.seqOf(e.hit.uid), date: e.date, subject: e.keys.s, reply: e.keys.r, messageId: e.keys.id, parents: e.keys.p,
    }));
    let text: string;
    if (a.algorithm === 'ORDEREDSUBJECT') {
      // RFC 5256 §3: sorted by base subject, then sent date, then sequence.
      const byUid = new Map(entries.map((e) => [e.hit.uid, e]));
      const ordered = sortBy(entries, [{ key: 'SUBJECT', reverse: false }, { key: 'DATE', reverse: false }]).map((r) => byUid.get(r.uid)!);
      text = orderedSubject(input(ordered));
    } else {
      text = references(input(entries));
    }
    s.untagged(`THREAD ${text}`.trimEnd());
    return ok('THREAD completed');
  },
});
