// IMAP sequence sets (RFC 3501 §9 sequence-set, RFC 5182 "$"): parsing, resolving "*" against a
// mailbox, membership, and compact formatting for COPYUID/ESEARCH. Pure.
// Always true: a parsed set only holds numbers 1..4294967295 (0 and larger values are refused), and a
// resolved set is sorted, merged and non-overlapping whatever order the client wrote its ranges in.

import { ImapSyntaxError } from './tokens.ts';

export const MAX_NZ_NUMBER = 4294967295;

/** `*` in a sequence set (RFC 3501: the largest number in use). */
export const STAR = -1;

export type SequenceSet =
  | { saved: true }
  | { saved: false; ranges: Array<[number, number]> };

/** A resolved set: ascending, disjoint, inclusive [start, end] ranges. */
export type Ranges = Array<[number, number]>;

function parseSeqNumber(s: string): number {
  if (s === '*') return STAR;
  if (!/^[1-9][0-9]{0,9}$/.test(s)) throw new ImapSyntaxError('Invalid sequence set');
  const n = Number(s);
  if (n > MAX_NZ_NUMBER) throw new ImapSyntaxError('Invalid sequence set');
  return n;
}

export function parseSequenceSet(text: string): SequenceSet {
  if (text === '$') return { saved: true };
  if (text.length === 0) throw new ImapSyntaxError('Invalid sequence set');
  const ranges: Array<[number, number]> = [];
  for (const part of text.split(',')) {
    const colon = part.indexOf(':');
    if (colon < 0) {
      const n = parseSeqNumber(part);
      ranges.push([n, n]);
    } else {
      ranges.push([parseSeqNumber(part.slice(0, colon)), parseSeqNumber(part.slice(colon + 1))]);
    }
  }
  return { saved: false, ranges };
}

/** Replaces `*` by `max` (0 for an empty mailbox), orders each range, sorts and merges. Numbers
 *  above `max` are kept; callers that must refuse them (message sequence numbers) check `maxOf`. */
export function resolve(ranges: Array<[number, number]>, max: number): Ranges {
  const out: Ranges = ranges.map(([a, b]) => {
    const x = a === STAR ? max : a;
    const y = b === STAR ? max : b;
    return x <= y ? [x, y] : [y, x];
  });
  return normalize(out);
}

/** Sorts and merges ranges, dropping empty ones (start 0 only comes from `*` on an empty mailbox). */
export function normalize(ranges: Ranges): Ranges {
  const sorted = ranges.filter(([a, b]) => b >= 1 && a <= b).map(([a, b]): [number, number] => [Math.max(1, a), b]);
  sorted.sort((p, q) => p[0] - q[0]);
  const out: Ranges = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1) {
      if (r[1] > last[1]) last[1] = r[1];
    } else {
      out.push([r[0], r[1]]);
    }
  }
  return out;
}

export function contains(ranges: Ranges, n: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [a, b] = ranges[mid]!;
    if (n < a) hi = mid - 1;
    else if (n > b) lo = mid + 1;
    else return true;
  }
  return false;
}

export function maxOf(ranges: Ranges): number {
  return ranges.length === 0 ? 0 : ranges[ranges.length - 1]![1];
}

export function countOf(ranges: Ranges): number {
  let n = 0;
  for (const [a, b] of ranges) n += b - a + 1;
  return n;
}

/** Compact text for numbers, compressing ascending runs: [1,2,3,5] → "1:3,5"; order is kept, as
 *  COPYUID pairs source and destination UIDs by position (RFC 4315 §3). Empty input gives "". */
export function formatNumbers(sortedNumbers: readonly number[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < sortedNumbers.length) {
    const start = sortedNumbers[i]!;
    let end = start;
    while (i + 1 < sortedNumbers.length && sortedNumbers[i + 1] === end + 1) end = sortedNumbers[++i]!;
    parts.push(start === end ? String(start) : `${start}:${end}`);
    i++;
  }
  return parts.join(',');
}

export function formatRanges(ranges: Ranges): string {
  return ranges.map(([a, b]) => (a === b ? String(a) : `${a}:${b}`)).join(',');
}
