// The order SORT puts messages in (RFC 5256 §3, SORT=DISPLAY RFC 5957), shared by SORT and THREAD
// and by the SORT contexts that RETURN (UPDATE) keeps (RFC 5267 §4.3): each hit becomes its sort
// values for the criteria (the keys stored at delivery, contents.sort_keys, so nothing is reparsed)
// and its UID. Always true: the final tie-breaker is the UID, never reversed, which is the sequence
// order RFC 5256 §3 asks for, and stays right while the view's sequence numbers shift.
import type { SortHit, StoreSearchKey } from '../../store/search.ts';
import type { SortKeys } from '../../mime/sort-keys.ts';
import type { SortCriterion } from '../protocol/sort-arguments.ts';
import type { ImapSession } from './session.ts';

const NO_KEYS: SortKeys = { s: '', r: false, f: '', t: '', c: '', df: '', dt: '', id: '', p: [] };

/** A hit with its sort keys decoded; `date` is the sent date or, without a usable Date:, the
 *  INTERNALDATE (RFC 5256 §3). */
export interface SortEntry { hit: SortHit; keys: SortKeys; date: number }

/** Just what ordering needs: the UID and one value per criterion (what SORT contexts keep). */
export interface Ranked { uid: number; values: (number | string)[] }

/** The matching messages of the selected mailbox that are in the session's view, ascending by UID. */
export async function sortEntries(s: ImapSession, key: StoreSearchKey): Promise<SortEntry[]> {
  const view = s.selected!;
  const hits = await s.services.search.searchForSort(view.id, key);
  const out: SortEntry[] = [];
  for (const hit of hits) {
    if (view.seqOf(hit.uid) === 0) continue;
    const keys = hit.sortKeys ? (JSON.parse(hit.sortKeys) as SortKeys) : NO_KEYS;
    out.push({ hit, keys, date: hit.sentDate ?? hit.internalDate });
  }
  return out;
}

function value(e: SortEntry, c: SortCriterion): number | string {
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

export function rank(e: SortEntry, criteria: readonly SortCriterion[]): Ranked {
  return { uid: e.hit.uid, values: criteria.map((c) => value(e, c)) };
}

export function compareRanked(criteria: readonly SortCriterion[]): (a: Ranked, b: Ranked) => number {
  return (a, b) => {
    for (let i = 0; i < criteria.length; i++) {
      const x = a.values[i]!;
      const y = b.values[i]!;
      const d = x < y ? -1 : x > y ? 1 : 0;
      if (d !== 0) return criteria[i]!.reverse ? -d : d;
    }
    return a.uid - b.uid;
  };
}

/** Entries in SORT order for the criteria. */
export function sortBy(entries: readonly SortEntry[], criteria: readonly SortCriterion[]): Ranked[] {
  return entries.map((e) => rank(e, criteria)).sort(compareRanked(criteria));
}
