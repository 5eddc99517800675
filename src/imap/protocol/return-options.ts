// RETURN options of SEARCH and SORT: ESEARCH's MIN, MAX, ALL, COUNT (RFC 4731 §3.1), SAVE
// (RFC 5182, SEARCH only) and the contexts of RFC 5267 §4: UPDATE, CONTEXT and PARTIAL low:high.
// Pure. Always true: each option appears once (a repeated one counts once; PARTIAL twice is BAD); PARTIAL's range is two non-zero numbers, held low
// first (4:2 is 2:4, §4.4), and never comes with ALL (RFC 9394 §3.1: the one or the other); a list
// with no option that asks for results ("()" or only UPDATE/CONTEXT) means ALL (RFC 4731 §3.1).
import type { ArgumentReader } from './argument-reader.ts';
import { MAX_NZ_NUMBER } from './sequence-set.ts';
import { ImapSyntaxError } from './tokens.ts';

export type ReturnOption = 'MIN' | 'MAX' | 'ALL' | 'COUNT' | 'SAVE' | 'UPDATE' | 'CONTEXT' | 'PARTIAL';

export interface ReturnOptions {
  options: ReturnOption[];
  /** PARTIAL's positions (1-based, inclusive, low ≤ high), or null. */
  partial: { low: number; high: number } | null;
}

const RESULT_OPTIONS: readonly ReturnOption[] = ['MIN', 'MAX', 'ALL', 'COUNT', 'SAVE', 'PARTIAL'];

function position(text: string): number {
  if (!/^\d{1,10}$/.test(text)) throw new ImapSyntaxError('Invalid PARTIAL range');
  const n = Number(text);
  if (n === 0 || n > MAX_NZ_NUMBER) throw new ImapSyntaxError('Invalid PARTIAL range');
  return n;
}

/** The options inside "RETURN (...)"; SAVE only where `allowSave` (SEARCH). */
export function parseReturnOptions(list: ArgumentReader, allowSave: boolean): ReturnOptions {
  const options: ReturnOption[] = [];
  let partial: ReturnOptions['partial'] = null;
  const known = new Set<string>(['MIN', 'MAX', 'ALL', 'COUNT', 'UPDATE', 'CONTEXT', 'PARTIAL', ...(allowSave ? ['SAVE'] : [])]);
  while (list.more()) {
    const opt = list.atom('RETURN option').toUpperCase();
    if (!known.has(opt)) throw new ImapSyntaxError(`Unknown RETURN option ${opt.slice(0, 40)}`);
    if (opt !== 'PARTIAL') {
      if (!options.includes(opt as ReturnOption)) options.push(opt as ReturnOption);
    } else {
      if (partial) throw new ImapSyntaxError('PARTIAL given twice');
      options.push('PARTIAL');
      // RFC 5267 §5: partial-range = nz-number ":" nz-number (no "*").
      const m = /^([^:]*):([^:]*)$/.exec(list.atom('PARTIAL range'));
      if (!m) throw new ImapSyntaxError('Invalid PARTIAL range');
      const a = position(m[1]!);
      const b = position(m[2]!);
      partial = { low: Math.min(a, b), high: Math.max(a, b) };
    }
  }
  if (options.includes('PARTIAL') && options.includes('ALL')) throw new ImapSyntaxError('PARTIAL and ALL exclude each other');
  if (!options.some((o) => RESULT_OPTIONS.includes(o))) options.push('ALL');
  return { options, partial };
}
