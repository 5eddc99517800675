// The one formatter of RFC 5322 §3.3 date-time values (Date:, Received:, DSN and report dates).
// Always true: the value is in UTC with the numeric zone "+0000", so it never depends on the
// host's zone; the day of the month is not zero-padded and the time is (RFC 5322 §3.3 grammar).

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 5322 §3.3 date-time of an instant (a Date or milliseconds since the epoch), in UTC. */
export function rfc5322Date(at: Date | number): string {
  const d = new Date(at);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}
