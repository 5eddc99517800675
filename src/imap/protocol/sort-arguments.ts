// SORT and THREAD arguments (RFC 5256 §3, SORT=DISPLAY RFC 5957, ESORT RFC 5267 §3): the sort
// criteria or threading algorithm, the charset, then search keys as SEARCH has them. Pure.
// Always true: criteria are non-empty, at most IMAP_MAX_SORT_CRITERIA long, each key appears once,
// REVERSE applies to the key after it, and RETURN holds only ESORT's options.
import type { ArgumentReader } from './argument-reader.ts';
import { parseKey, type SearchKey } from './search-keys.ts';
import { ImapSyntaxError } from './tokens.ts';
import { IMAP_MAX_SORT_CRITERIA } from '../../limits.ts';

export type SortKeyName = 'ARRIVAL' | 'CC' | 'DATE' | 'FROM' | 'SIZE' | 'SUBJECT' | 'TO' | 'DISPLAYFROM' | 'DISPLAYTO';
export interface SortCriterion { key: SortKeyName; reverse: boolean }
export type SortReturn = 'MIN' | 'MAX' | 'ALL' | 'COUNT';

export interface SortArguments {
  /** Null for plain SORT (answered with `* SORT`); ESORT's options otherwise (`* ESEARCH`). */
  returns: SortReturn[] | null;
  criteria: SortCriterion[];
  charset: string;
  key: SearchKey;
}

export type ThreadAlgorithm = 'ORDEREDSUBJECT' | 'REFERENCES';
export interface ThreadArguments { algorithm: ThreadAlgorithm; charset: string; key: SearchKey }

const KEYS = new Set<string>(['ARRIVAL', 'CC', 'DATE', 'FROM', 'SIZE', 'SUBJECT', 'TO', 'DISPLAYFROM', 'DISPLAYTO']);
const RETURNS = new Set<string>(['MIN', 'MAX', 'ALL', 'COUNT']);

function searchKeys(r: ArgumentReader): SearchKey {
  const keys: SearchKey[] = [];
  do keys.push(parseKey(r));
  while (r.more());
  return keys.length === 1 ? keys[0]! : { op: 'and', keys };
}

export function parseSortArguments(r: ArgumentReader): SortArguments {
  let returns: SortReturn[] | null = null;
  if (r.peekAtom() === 'RETURN') {
    r.next('RETURN');
    const list = r.list('RETURN options');
    returns = [];
    while (list.more()) {
      const opt = list.atom('RETURN option').toUpperCase();
      if (!RETURNS.has(opt)) throw new ImapSyntaxError(`Unknown RETURN option ${opt.slice(0, 40)}`);
      if (!returns.includes(opt as SortReturn)) returns.push(opt as SortReturn);
    }
    // RFC 4731 §3.1 (ESORT inherits it): "RETURN ()" means RETURN (ALL).
    if (returns.length === 0) returns.push('ALL');
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
  return { returns, criteria, charset, key: searchKeys(r) };
}

export function parseThreadArguments(r: ArgumentReader): ThreadArguments {
  const algorithm = r.atom('threading algorithm').toUpperCase();
  if (algorithm !== 'ORDEREDSUBJECT' && algorithm !== 'REFERENCES') throw new ImapSyntaxError('Unknown threading algorithm');
  const charset = r.astring('charset');
  return { algorithm, charset, key: searchKeys(r) };
}
