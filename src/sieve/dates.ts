// Dates for the date and currentdate tests (RFC 5260 §4-5): the Date header parsed with its zone,
// and the date parts a script compares, computed in a given zone. Always true: parsing never
// throws (an unparseable date makes the test false, RFC 5260 §4.1), and parts are zero-padded
// as the RFC lists them.
import { rfc5322Date } from '../mime/date-time.ts';

export const DATE_PARTS: ReadonlySet<string> = new Set([
  'year', 'month', 'day', 'date', 'julian', 'hour', 'minute', 'second', 'time', 'iso8601', 'std11', 'zone', 'weekday',
]);

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
// RFC 5322 §4.3: obsolete zone names.
const NAMED_ZONES: Record<string, number> = { ut: 0, gmt: 0, z: 0, est: -300, edt: -240, cst: -360, cdt: -300, mst: -420, mdt: -360, pst: -480, pdt: -420 };

export interface ZonedTime { ms: number; zoneMinutes: number }

/** RFC 5322 §3.3 date-time, with the obsolete forms receivers see; null when unreadable. */
export function parseRfc5322Date(value: string): ZonedTime | null {
  const text = value.replace(/\([^()]*\)/g, ' ').replace(/\s+/g, ' ').trim();
  const m = /^(?:[A-Za-z]{3},?\s*)?(\d{1,2})\s+([A-Za-z]{3})[a-z]*\s+(\d{2,4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{4}|[A-Za-z]{1,3})?/.exec(text);
  if (!m) return null;
  const month = MONTHS.indexOf(m[2]!.toLowerCase());
  if (month < 0) return null;
  let year = Number(m[3]);
  // RFC 5322 §4.3: two-digit years below 50 are 20xx, three-digit years add 1900.
  if (m[3]!.length === 2) year += year < 50 ? 2000 : 1900;
  else if (m[3]!.length === 3) year += 1900;
  let zoneMinutes = 0;
  const z = m[7];
  if (z && /^[+-]\d{4}$/.test(z)) zoneMinutes = (z[0] === '-' ? -1 : 1) * (Number(z.slice(1, 3)) * 60 + Number(z.slice(3, 5)));
  else if (z) zoneMinutes = NAMED_ZONES[z.toLowerCase()] ?? 0;
  const utc = Date.UTC(year, month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)) - zoneMinutes * 60_000;
  if (!Number.isFinite(utc)) return null;
  return { ms: utc, zoneMinutes };
}

/** "+hhmm"/"-hhmm" → minutes east of UTC. */
export function zoneMinutesOf(zone: string): number {
  return (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5)));
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** The value of one date part (RFC 5260 §4.2) of `ms` seen in the zone `zoneMinutes` east of UTC. */
export function datePart(part: string, ms: number, zoneMinutes: number): string {
  const d = new Date(ms + zoneMinutes * 60_000);
  const year = pad(d.getUTCFullYear(), 4);
  const month = pad(d.getUTCMonth() + 1);
  const day = pad(d.getUTCDate());
  const hour = pad(d.getUTCHours());
  const minute = pad(d.getUTCMinutes());
  const second = pad(d.getUTCSeconds());
  const abs = Math.abs(zoneMinutes);
  const zone = `${zoneMinutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
  switch (part) {
    case 'year': return year;
    case 'month': return month;
    case 'day': return day;
    case 'date': return `${year}-${month}-${day}`;
    // Modified Julian Day: days since 1858-11-17, of the local date.
    case 'julian': return String(Math.floor((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(1858, 10, 17)) / 86_400_000));
    case 'hour': return hour;
    case 'minute': return minute;
    case 'second': return second;
    case 'time': return `${hour}:${minute}:${second}`;
    case 'iso8601': return `${year}-${month}-${day}T${hour}:${minute}:${second}${zone.slice(0, 3)}:${zone.slice(3)}`;
    case 'std11': return rfc5322Date(ms, zoneMinutes);
    case 'zone': return zone;
    case 'weekday': return String(d.getUTCDay());
    default: return '';
  }
}
