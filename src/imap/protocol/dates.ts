// IMAP date and date-time text (RFC 3501 §9 date, date-time): parsing and formatting. Pure.
// Always true: parsed values are milliseconds since the epoch (UTC); a date without a time is
// midnight UTC of that day, and impossible dates (31-Feb) are refused rather than rolled over.

import { ImapSyntaxError } from './tokens.ts';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function monthIndex(s: string): number {
  const i = MONTHS.findIndex((m) => m.toLowerCase() === s.toLowerCase());
  if (i < 0) throw new ImapSyntaxError('Invalid date');
  return i;
}

function utcDay(day: number, month: number, year: number): number {
  const ms = Date.UTC(year, month, day);
  const d = new Date(ms);
  if (d.getUTCDate() !== day || d.getUTCMonth() !== month || year < 1) throw new ImapSyntaxError('Invalid date');
  return ms;
}

/** RFC 3501 `date`: "1-Feb-1994" (a day, used by SEARCH BEFORE/ON/SINCE). Returns midnight UTC. */
export function parseSearchDate(text: string): number {
  const m = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(text);
  if (!m) throw new ImapSyntaxError('Invalid date');
  return utcDay(Number(m[1]), monthIndex(m[2]!), Number(m[3]));
}

/** RFC 3501 `date-time`: "17-Jul-1996 02:44:25 -0700" (APPEND's internal date). */
export function parseDateTime(text: string): number {
  const m = /^([ \d]\d)-([A-Za-z]{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)$/.exec(text);
  if (!m) throw new ImapSyntaxError('Invalid date-time');
  const [h, mi, s, zh, zm] = [m[4], m[5], m[6], m[8], m[9]].map(Number) as [number, number, number, number, number];
  if (h > 23 || mi > 59 || s > 60 || zm > 59) throw new ImapSyntaxError('Invalid date-time');
  const day = utcDay(Number(m[1]!.trim()), monthIndex(m[2]!), Number(m[3]));
  const offset = (zh * 60 + zm) * (m[7] === '-' ? -1 : 1);
  return day + ((h * 60 + mi) * 60 + Math.min(s, 59)) * 1000 - offset * 60000;
}

/** Formats an internal date as RFC 3501 date-time in UTC ("+0000"), quoted. */
export function formatDateTime(ms: number): string {
  const d = new Date(ms);
  const day = String(d.getUTCDate()).padStart(2, ' ');
  const two = (n: number): string => String(n).padStart(2, '0');
  return `"${day}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000"`;
}
