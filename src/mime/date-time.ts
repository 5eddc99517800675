// The one formatter of RFC 5322 §3.3 date-time values (Date:, Received:, DSN and report dates, and
// Sieve's "std11" date part). Always true: Postern's own dates are in UTC with the numeric zone
// "+0000", so they never depend on the host's zone; a date in another zone is the same instant
// written with that zone's offset; the day of the month is not zero-padded, the year has four
// digits and the time is zero-padded (RFC 5322 §3.3 grammar).

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 5322 §3.3 date-time of an instant (a Date or ms since the epoch), in UTC or `zoneMinutes` east of it. */
export function rfc5322Date(at: Date | number, zoneMinutes = 0): string {
  const d = new Date(new Date(at).getTime() + zoneMinutes * 60_000);
  const two = (n: number) => String(n).padStart(2, '0');
  const abs = Math.abs(zoneMinutes);
  const zone = `${zoneMinutes < 0 ? '-' : '+'}${two(Math.floor(abs / 60))}${two(abs % 60)}`;
  return `${DAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCFullYear()).padStart(4, '0')} ` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${zone}`;
}
