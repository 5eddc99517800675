// The SEARCH and SORT results a session keeps up to date (RFC 5267 §4.3, RETURN (UPDATE)) while its
// mailbox stays selected: each context holds its search program with the session-only keys already
// turned into UID sets (sequence numbers, \Recent and $ are evaluated once, when the command ran),
// and its current result; changes of anyone's (this session's own STORE and APPEND included) mark
// UIDs dirty, and only those UIDs are searched again, so an update costs what changed, not the
// mailbox. Always true: REMOVEFROM for expunged messages is written before their EXPUNGE
// (§4.3.4), ADDTO for new ones after their EXISTS (§4.3.3); SEARCH contexts use position 0 and
// mailbox order, SORT contexts the 1-based positions of the sort order, one pair per message,
// applied in the order written (§4.3.2); at most IMAP_MAX_UPDATE_CONTEXTS live at once (beyond
// that the command says NO [NOUPDATE], §4.3.1); a context ends with CANCELUPDATE or the selection.
import type { StoreSearchKey } from '../../store/search.ts';
import type { SortCriterion } from '../protocol/sort-arguments.ts';
import { normalize } from '../protocol/sequence-set.ts';
import { esearchLine, updateItem } from '../protocol/esearch-response.ts';
import { compareRanked, rank, sortEntries, type Ranked } from './sort-order.ts';
import type { ImapSession } from './session.ts';
import type { SelectedMailbox } from './selected-mailbox.ts';

interface SearchContext {
  tag: string;
  uid: boolean;
  key: StoreSearchKey;
  /** UIDs in the result. */
  members: Set<number>;
  /** SORT contexts: the criteria and the result in sort order; null for SEARCH. */
  criteria: SortCriterion[] | null;
  order: Ranked[];
}

export class SearchContexts {
  private readonly byTag = new Map<string, SearchContext>();
  private readonly dirty = new Set<number>();

  get size(): number {
    return this.byTag.size;
  }

  has(tag: string): boolean {
    return this.byTag.has(tag);
  }

  /** A SEARCH context: `uids` is its result in mailbox order. */
  addSearch(tag: string, uid: boolean, key: StoreSearchKey, uids: readonly number[]): void {
    this.byTag.set(tag, { tag, uid, key, members: new Set(uids), criteria: null, order: [] });
  }

  /** A SORT context: `order` is its result in sort order. */
  addSort(tag: string, uid: boolean, key: StoreSearchKey, criteria: SortCriterion[], order: Ranked[]): void {
    this.byTag.set(tag, { tag, uid, key, members: new Set(order.map((r) => r.uid)), criteria, order });
  }

  cancel(tag: string): boolean {
    return this.byTag.delete(tag);
  }

  /** Messages whose flags changed or that arrived: searched again at the next report. */
  touch(uids: Iterable<number>): void {
    if (this.byTag.size === 0) return;
    for (const u of uids) this.dirty.add(u);
  }

  /** REMOVEFROM lines for messages leaving the view, written before their EXPUNGE/VANISHED.
   *  `uids` ascending, `seqs` their sequence numbers before removal, highest first. */
  expunged(uids: readonly number[], seqs: readonly number[]): string[] {
    if (this.byTag.size === 0) return [];
    const seqOf = new Map<number, number>();
    uids.forEach((u, i) => seqOf.set(u, seqs[seqs.length - 1 - i]!));
    const lines: string[] = [];
    for (const c of this.byTag.values()) {
      const gone = uids.filter((u) => c.members.has(u));
      if (gone.length === 0) continue;
      for (const u of gone) {
        c.members.delete(u);
        this.dirty.delete(u);
      }
      const idOf = (u: number) => (c.uid ? u : seqOf.get(u)!);
      let pairs: { position: number; ids: number[] }[];
      if (c.criteria === null) {
        pairs = [{ position: 0, ids: gone.map(idOf) }];
      } else {
        pairs = [];
        const goneSet = new Set(gone);
        // Positions as the client applies the pairs one after another: each removal shifts the rest.
        let removedSoFar = 0;
        c.order.forEach((r, i) => {
          if (goneSet.has(r.uid)) pairs.push({ position: i + 1 - removedSoFar++, ids: [idOf(r.uid)] });
        });
        c.order = c.order.filter((r) => !goneSet.has(r.uid));
      }
      lines.push(esearchLine(c.tag, c.uid, [updateItem('REMOVEFROM', pairs)]));
    }
    return lines;
  }

  /** Searches the dirty messages again and returns the ADDTO/REMOVEFROM lines for every context
   *  whose result changed. Called after EXISTS and flag updates have been written. */
  async refresh(s: ImapSession, view: SelectedMailbox): Promise<string[]> {
    if (this.byTag.size === 0 || this.dirty.size === 0) {
      this.dirty.clear();
      return [];
    }
    const uids = [...this.dirty].filter((u) => view.seqOf(u) > 0).sort((a, b) => a - b);
    this.dirty.clear();
    if (uids.length === 0) return [];
    const within: StoreSearchKey = { op: 'uid', ranges: normalize(uids.map((u) => [u, u] as [number, number])) };
    const dirty = new Set(uids);
    const lines: string[] = [];
    for (const c of [...this.byTag.values()]) {
      const key: StoreSearchKey = { op: 'and', keys: [c.key, within] };
      const idOf = (u: number) => (c.uid ? u : view.seqOf(u));
      const items: string[] = [];
      if (c.criteria === null) {
        const hits = new Set((await s.services.search.search(view.id, key)).map((h) => h.uid));
        if (s.selected !== view) return [];
        if (!this.byTag.has(c.tag)) continue; // cancelled while the search ran
        const removed = uids.filter((u) => c.members.has(u) && !hits.has(u));
        const added = uids.filter((u) => !c.members.has(u) && hits.has(u));
        for (const u of removed) c.members.delete(u);
        for (const u of added) c.members.add(u);
        if (removed.length > 0) items.push(updateItem('REMOVEFROM', [{ position: 0, ids: removed.map(idOf) }]));
        if (added.length > 0) items.push(updateItem('ADDTO', [{ position: 0, ids: added.map(idOf) }]));
      } else {
        const criteria = c.criteria;
        const entries = await sortEntries(s, key);
        if (s.selected !== view) return [];
        if (!this.byTag.has(c.tag)) continue;
        const hits = new Map(entries.map((e) => [e.hit.uid, rank(e, criteria)]));
        const removedPairs: { position: number; ids: number[] }[] = [];
        let removedSoFar = 0;
        const kept: Ranked[] = [];
        c.order.forEach((r, i) => {
          if (dirty.has(r.uid) && !hits.has(r.uid)) {
            removedPairs.push({ position: i + 1 - removedSoFar++, ids: [idOf(r.uid)] });
            c.members.delete(r.uid);
          } else {
            kept.push(r);
          }
        });
        c.order = kept;
        const compare = compareRanked(criteria);
        const addedPairs: { position: number; ids: number[] }[] = [];
        for (const [u, r] of hits) {
          if (c.members.has(u)) continue;
          const at = insertionPoint(c.order, r, compare);
          c.order.splice(at, 0, r);
          c.members.add(u);
          addedPairs.push({ position: at + 1, ids: [idOf(u)] });
        }
        if (removedPairs.length > 0) items.push(updateItem('REMOVEFROM', removedPairs));
        if (addedPairs.length > 0) items.push(updateItem('ADDTO', addedPairs));
      }
      if (items.length > 0) lines.push(esearchLine(c.tag, c.uid, items));
    }
    return lines;
  }
}

function insertionPoint(order: readonly Ranked[], r: Ranked, compare: (a: Ranked, b: Ranked) => number): number {
  let lo = 0;
  let hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compare(order[mid]!, r) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
