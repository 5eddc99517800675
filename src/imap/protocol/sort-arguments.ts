// SORT and THREAD arguments (RFC 5256 §3, SORT=DISPLAY RFC 5957, ESORT and CONTEXT=SORT RFC 5267): the sort
// criteria or threading algorithm, the charset, then search keys as SEARCH has them. Pure.
// Always true: criteria are non-empty, at most IMAP_MAX_SORT_CRITERIA long, each key appears once,
// REVERSE applies to the key after it, and RETURN holds ESORT's and CONTEXT=SORT's options (no SAVE).
import type { ArgumentReader } from './argument-reader.ts';
import { parseKey, type SearchKey } from './search-keys.ts';
import { ImapSyntaxError } from './tokens.ts';
import { parseReturnOptions, type ReturnOption, type ReturnOptions } from './return-options.ts';
import { IMAP_MAX_SORT_CRITERIA } from '../../limits.ts';

export type SortKeyName = 'ARRIVAL' | 'CC' | 'DATE' | 'FROM' | 'SIZE' | 'SUBJECT' | 'TO' | 'DISPLAYFROM' | 'DISPLAYTO';
export interface SortCriterion { key: SortKeyName; reverse: boolean }
export type SortReturn = Exclude<ReturnOption, 'SAVE'>;

export interface SortArguments {
  /** Null for plain SORT (answered with `* SORT`); ESORT's options otherwise (`* ESEARCH`). */
  returns: SortReturn[] | null;
  /** RETURN (PARTIAL low:high) over the sorted result, RFC 5267 §4.4. */
  partial: ReturnOptions['partial'];
  criteria: SortCriterion[];
  charset: string;
  key: SearchKey;
}

export type ThreadAlgorithm = 'ORDEREDSUBJECT' | 'REFERENCES';
export interface ThreadArguments { algorithm: ThreadAlgorithm; charset: string; key: SearchKey }

const KEYS = new Set<string>(['ARRIVAL', 'CC', 'DATE', 'FROM', 'SIZE', 'SUBJECT', 'TO', 'DISPLAYFROM', 'DISPLAYTO']);

function searchKeys(r: ArgumentReader): SearchKey {
  const keys: SearchKey[] = [];
  do keys.push(parseKey(r));
  while (r.more());
  return keys.length === 1 ? keys[0]! : { op: 'and', keys };
}

export function parseSortArguments(r: ArgumentReader): SortArguments {
  let returns: SortReturn[] | null = null;
  let partial: ReturnOptions['partial'] = null;
  if (r.peekAtom() === 'RETURN') {
    r.next('RETURN');
    const parsed = parseReturnOptions(r.list('RETURN options'), false);
    returns = parsed.options as SortReturn[];
    partial = parsed.partial;
  }
  const list = r.list('sort criteria');
  const criteria: SortCriterion[] = [];
  let reverse = false;
  while (list.more()) {
    const name = list.atom('sort key').toUpperCase();
    if (name === 'REVERSE') {
      if (reverse) throw new ImapSyntaxError('REVERSE twice');
      reverse = true;
      continue;
    }
    if (!KEYS.has(name)) throw new ImapSyntaxError(`Unknown sort key ${name.slice(0, 40)}`);
    if (criteria.length >= IMAP_MAX_SORT_CRITERIA) throw new ImapSyntaxError('Too many sort criteria', 'LIMIT');
    criteria.push({ key: name as SortKeyName, reverse });
    reverse = false;
  }
  if (reverse || criteria.length === 0) throw new ImapSyntaxError('Invalid sort criteria');
  const charset = r.astring('charset');
  return { returns, partial, criteria, charset, key: searchKeys(r) };
}

export function parseThreadArguments(r: ArgumentReader): ThreadArguments {
  const algorithm = r.atom('threading algorithm').toUpperCase();
  if (algorithm !== 'ORDEREDSUBJECT' && algorithm !== 'REFERENCES') throw new ImapSyntaxError('Unknown threading algorithm');
  const charset = r.astring('charset');
  return { algorithm, charset, key: searchKeys(r) };
}
