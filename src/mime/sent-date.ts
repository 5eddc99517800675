// Parsing of the Date: field (RFC 5322 §3.3, obsolete zones of §4.3) to milliseconds since the
// epoch (for SORT DATE and THREAD), and to the day as written in the field, in the sender's own
// zone (RFC 3501 §6.4.4: SENTBEFORE/SENTON/SENTSINCE ignore time and timezone).
// Never throws; returns null when the value is not a date.

const WEEKDAY = /^\s*[A-Za-z]{3,}\s*,?\s*/;

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY_MS = 86_400_000;

/** The instant of a Date: value, ms since the epoch. */
export function parseSentDate(value: string | null): number | null {
  const v = normalizedDate(value);
  if (v === null) return null;
  const t = Date.parse(v);
  return Number.isFinite(t) ? t : null;
}

/** The calendar day of a Date: value as written (days since 1970-01-01), whatever its zone. */
export function parseSentDay(value: string | null): number | null {
  const v = normalizedDate(value);
  if (v === null || !Number.isFinite(Date.parse(v))) return null;
  const m = /^(\d{1,2}) ([A-Za-z]{3}) (\d{4})/.exec(v)!;
  const month = MONTHS.indexOf(m[2]!.toLowerCase());
  if (month < 0) return null;
  return Math.floor(Date.UTC(Number(m[3]), month, Number(m[1])) / DAY_MS);
}

function normalizedDate(value: string | null): string | null {
  if (value === null) return null;
  // Comments such as "(PDT)" are not part of the date (RFC 5322 §3.2.2 CFWS).
  let v = value.replace(/\([^()]*\)/g, ' ').replace(/\s+/g, ' ').trim();
  // The weekday is optional and redundant; dropping it avoids rejecting a wrong one.
  v = v.replace(WEEKDAY, '');
  // RFC 5322 §4.3: "-0000" and military zones mean unknown zone; treat as UTC.
  v = v.replace(/ -0000$/, ' +0000').replace(/ [A-IK-Za-ik-z]$/, ' +0000');
  // Two-digit years (RFC 5322 §4.3): 00-49 are 2000-2049, 50-99 are 1950-1999.
  v = v.replace(/^(\d{1,2} [A-Za-z]{3}) (\d{2}) /, (_m, dm: string, yy: string) => `${dm} ${Number(yy) < 50 ? 2000 + Number(yy) : 1900 + Number(yy)} `);
  if (!/^\d{1,2} [A-Za-z]{3} \d{4} \d{1,2}:\d{2}/.test(v)) return null;
  return v;
}
