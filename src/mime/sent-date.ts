// Parsing of the Date: field (RFC 5322 §3.3, obsolete zones of §4.3) to
// milliseconds since the epoch, for SEARCH SENTBEFORE/SENTON/SENTSINCE.
// Never throws; returns null when the value is not a date.

const WEEKDAY = /^\s*[A-Za-z]{3,}\s*,?\s*/;

export function parseSentDate(value: string | null): number | null {
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
  const t = Date.parse(v);
  return Number.isFinite(t) ? t : null;
}
