// What a client's address means to connection accounting and login throttling: whether it is
// loopback, and the key it is counted under. Pure. Always true: an IPv4 address and its IPv4-mapped
// IPv6 form (::ffff:a.b.c.d) give the same key; every IPv6 address in one /prefix (64 by default,
// `[limits] ipv6_prefix`) gives the same key, so one host cannot take every slot by rotating through
// its subnet; a string that is not an address is its own key (never merged with another).
import net from 'node:net';

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopback(ip: string): boolean {
  const v4 = ipv4Of(ip);
  if (v4 !== null) return v4.startsWith('127.');
  return net.isIPv6(ip) && expandIpv6(ip)!.every((g, i) => g === (i === 7 ? 1 : 0));
}

/** The key `ip` is counted under: the IPv4 address, or the IPv6 prefix as "xxxx:…::/len". */
export function clientKey(ip: string, ipv6Prefix: number): string {
  const v4 = ipv4Of(ip);
  if (v4 !== null) return v4;
  const groups = net.isIPv6(ip) ? expandIpv6(ip) : null;
  if (!groups) return ip;
  const bits = Math.max(0, Math.min(128, ipv6Prefix));
  const kept = groups.map((g, i) => {
    const from = i * 16;
    if (bits >= from + 16) return g;
    if (bits <= from) return 0;
    return g & (0xffff << (16 - (bits - from))) & 0xffff;
  });
  return `${kept.map((g) => g.toString(16)).join(':')}/${bits}`;
}

/** The dotted IPv4 address of a plain or IPv4-mapped address, else null. */
function ipv4Of(ip: string): string | null {
  if (net.isIPv4(ip)) return ip;
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m && net.isIPv4(m[1]!) ? m[1]! : null;
}

/** The eight 16-bit groups of a valid IPv6 address (with an optional embedded IPv4 tail). */
export function expandIpv6(ip: string): number[] | null {
  let s = ip.toLowerCase();
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  const tail: number[] = [];
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    tail.push((a << 8) | b, (c << 8) | d);
    s = s.slice(0, v4.index) + '0:0';
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((h) => parseInt(h, 16)));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  const missing = 8 - head.length - rest.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return null;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...rest];
  if (tail.length) groups.splice(6, 2, ...tail);
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}
