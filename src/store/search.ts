// SEARCH as the store answers it, for both engines: the key (session state already turned into
// UIDs), the hits, and the time limit's error (IMAP_SEARCH_MAX_MS). Always true: hits come back
// ascending by UID.

/** A search that ran past IMAP_SEARCH_MAX_MS: our cost, answered NO [LIMIT], not a result. */
export class SearchTimeLimitError extends Error {}

/** A search key with everything session-specific (sequence numbers, \Recent) already turned into UIDs. */
export type StoreSearchKey =
  | { op: 'all' }
  | { op: 'flag'; flag: string; present: boolean }
  | { op: 'header'; field: string; value: string }
  | { op: 'address'; field: 'from' | 'to' | 'cc' | 'bcc'; value: string }
  | { op: 'body'; value: string }
  | { op: 'text'; value: string }
  | { op: 'internaldate'; cmp: 'before' | 'on' | 'since'; day: number }
  | { op: 'sentdate'; cmp: 'before' | 'on' | 'since'; day: number }
  /** RFC 8514 §4: SAVEDBEFORE/SAVEDON/SAVEDSINCE compare the save date's day. */
  | { op: 'savedate'; cmp: 'before' | 'on' | 'since'; day: number }
  /** RFC 8474 §6: SEARCH EMAILID. */
  | { op: 'emailid'; id: string }
  | { op: 'size'; cmp: 'larger' | 'smaller'; size: number }
  | { op: 'uid'; ranges: ReadonlyArray<readonly [number, number]> }
  | { op: 'modseq'; modseq: number }
  | { op: 'not'; key: StoreSearchKey }
  | { op: 'or'; a: StoreSearchKey; b: StoreSearchKey }
  | { op: 'and'; keys: StoreSearchKey[] };

export interface SearchHit {
  uid: number;
  modseq: number;
}

/** A hit with what SORT and THREAD order by (contents.sort_keys is src/mime/sort-keys.ts JSON). */
export interface SortHit extends SearchHit {
  size: number;
  internalDate: number;
  sentDate: number | null;
  sortKeys: string;
}
