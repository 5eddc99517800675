// Comparators (RFC 4790 via RFC 5228 §2.7.3) and match types (:is, :contains, :matches, RFC 5231's
// :value and :count, and :regex): one function decides whether any value matches any key, and
// hands back the match variables (RFC 5229 §3.2) of the first match. Always true: every
// comparison is charged to the step budget, and patterns run on the linear-time VM of regex.ts.
import { SIEVE_PATTERN_CACHE } from '../limits.ts';
import { SieveRuntimeError } from './errors.ts';
import { asciiLower, compileRegex, compileWildcards, execute, RegexSyntaxError, type CompiledPattern, type StepBudget } from './regex.ts';
import type { Comparator } from './capabilities.ts';

export type MatchType = 'is' | 'contains' | 'matches' | 'regex' | 'value' | 'count';
export type Relation = 'gt' | 'ge' | 'lt' | 'le' | 'eq' | 'ne';
export const RELATIONS: ReadonlySet<string> = new Set(['gt', 'ge', 'lt', 'le', 'eq', 'ne']);

export interface MatchSpec { type: MatchType; relation?: Relation; comparator: Comparator }

export interface MatchContext {
  budget: StepBudget;
  patterns: Map<string, CompiledPattern>;
}

function charge(ctx: MatchContext, n: number): void {
  ctx.budget.steps -= n;
  if (ctx.budget.steps < 0) throw new SieveRuntimeError('the script ran out of steps');
}

// RFC 4790 §9.1: i;ascii-numeric compares the leading digits as a number; a string that does not
// start with a digit is "positive infinity", equal to every other such string.
function numericValue(s: string): bigint | null {
  const m = /^[0-9]+/.exec(s);
  return m ? BigInt(m[0]) : null;
}

function compare(a: string, b: string, comparator: Comparator): number {
  if (comparator === 'i;ascii-numeric') {
    const x = numericValue(a);
    const y = numericValue(b);
    if (x === null && y === null) return 0;
    if (x === null) return 1;
    if (y === null) return -1;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const p = comparator === 'i;ascii-casemap' ? asciiLower(a) : a;
  const q = comparator === 'i;ascii-casemap' ? asciiLower(b) : b;
  // i;octet orders by octets: compare the UTF-8 encodings, not UTF-16 code units.
  return Buffer.compare(Buffer.from(p, 'utf8'), Buffer.from(q, 'utf8'));
}

function relationHolds(order: number, relation: Relation): boolean {
  switch (relation) {
    case 'gt': return order > 0;
    case 'ge': return order >= 0;
    case 'lt': return order < 0;
    case 'le': return order <= 0;
    case 'eq': return order === 0;
    case 'ne': return order !== 0;
  }
}

// Compiled patterns shared across runs: the same script's patterns compile once, not per message.
const sharedPatterns = new Map<string, CompiledPattern>();

export function patternFor(ctx: MatchContext, type: 'matches' | 'regex', key: string, fold: boolean): CompiledPattern {
  const cacheKey = `${type}:${fold ? 1 : 0}:${key}`;
  let p = ctx.patterns.get(cacheKey) ?? sharedPatterns.get(cacheKey);
  if (!p) {
    try {
      p = type === 'regex' ? compileRegex(key, fold) : compileWildcards(key, fold);
    } catch (err) {
      if (err instanceof RegexSyntaxError) throw new SieveRuntimeError(`bad ${type === 'regex' ? 'regular expression' : 'pattern'} ${JSON.stringify(key)}: ${err.message}`);
      throw err;
    }
    if (sharedPatterns.size >= SIEVE_PATTERN_CACHE) sharedPatterns.delete(sharedPatterns.keys().next().value!);
    sharedPatterns.set(cacheKey, p);
  }
  ctx.patterns.set(cacheKey, p);
  return p;
}

/** Whether one value matches one key; for :matches/:regex the captured strings (0 is the whole match). */
function matchOne(spec: MatchSpec, value: string, key: string, ctx: MatchContext): string[] | null {
  charge(ctx, 1 + ((value.length + key.length) >> 6));
  const fold = spec.comparator === 'i;ascii-casemap';
  switch (spec.type) {
    case 'is':
      return compare(value, key, spec.comparator) === 0 ? [] : null;
    case 'contains': {
      if (spec.comparator === 'i;ascii-numeric') throw new SieveRuntimeError('i;ascii-numeric does not support :contains (RFC 4790 §9.1)');
      charge(ctx, value.length >> 4);
      return (fold ? asciiLower(value).includes(asciiLower(key)) : value.includes(key)) ? [] : null;
    }
    case 'value':
      return relationHolds(compare(value, key, spec.comparator), spec.relation!) ? [] : null;
    case 'matches':
    case 'regex': {
      if (spec.comparator === 'i;ascii-numeric') throw new SieveRuntimeError(`i;ascii-numeric does not support :${spec.type}`);
      const pattern = patternFor(ctx, spec.type, key, fold);
      const caps = execute(pattern, value, ctx.budget);
      if (!caps) return null;
      const out: string[] = [];
      for (let g = 0; g <= pattern.groups; g++) {
        const s = caps[g * 2]!;
        const e = caps[g * 2 + 1]!;
        out.push(s >= 0 && e >= 0 ? value.slice(s, e) : '');
      }
      // For :matches, ${0} is the whole value; the groups are the wildcards.
      return out;
    }
    case 'count':
      throw new Error('count is decided over the whole list');
  }
}

/**
 * RFC 5228 §2.7.1: the test is true when any value matches any key. RFC 5231 §4.2: :count
 * compares the number of values with each key. Returns the match variables of the first match
 * (an empty list for match types that set none), or null.
 */
export function matchValues(spec: MatchSpec, values: string[], keys: string[], ctx: MatchContext): string[] | null {
  if (spec.type === 'count') {
    const count = String(values.length);
    for (const key of keys) {
      charge(ctx, 1);
      if (relationHolds(compare(count, key, spec.comparator), spec.relation!)) return [];
    }
    return null;
  }
  for (const value of values) {
    for (const key of keys) {
      const caps = matchOne(spec, value, key, ctx);
      if (caps) return caps;
    }
  }
  return null;
}
