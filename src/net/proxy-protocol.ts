// The HAProxy PROXY protocol header (versions 1 and 2, haproxy.org/download/2.9/doc/proxy-protocol.txt),
// which a load balancer in TCP mode sends first on each connection to say who the client is. Pure:
// bytes in, a verdict out. Always true: a header is reported only when complete and well formed and
// within PROXY_HEADER_MAX_BYTES; `length` is exactly the bytes it took (what follows belongs to the
// protocol behind it); a claimed address is a valid IPv4 or IPv6 address in canonical text form; input
// that can no longer become a header is `invalid` at once, never left waiting.
import net from 'node:net';
import { PROXY_HEADER_MAX_BYTES } from '../limits.ts';

/** The client the header names; null when the proxy speaks for itself (v2 LOCAL, v1 UNKNOWN, UNIX). */
export interface ProxiedSource { address: string; port: number }

export type ProxyParse =
  | { kind: 'incomplete' }
  | { kind: 'invalid'; oversized: boolean; reason: string }
  | { kind: 'header'; version: 1 | 2; length: number; source: ProxiedSource | null };

const V1_PREFIX = Buffer.from('PROXY ', 'latin1');
// §2.2: the twelve-byte signature that no v1 header and no text protocol can begin with.
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
// §2.1: "PROXY UNKNOWN" plus two IPv6 addresses and two ports, with CRLF.
const V1_MAX_BYTES = 107;
const PORT = /^(?:0|[1-9]\d{0,4})$/;

const invalid = (reason: string, oversized = false): ProxyParse => ({ kind: 'invalid', oversized, reason });

/** True while `data` is still a prefix of `full` (or starts with all of it). */
function agrees(data: Buffer, full: Buffer): boolean {
  const n = Math.min(data.length, full.length);
  return data.subarray(0, n).equals(full.subarray(0, n));
}

/** Reads the header at the start of `data`: everything the client has sent so far. */
export function parseProxyHeader(data: Buffer): ProxyParse {
  if (agrees(data, V2_SIGNATURE)) return data.length < 16 ? { kind: 'incomplete' } : parseV2(data);
  if (agrees(data, V1_PREFIX)) return parseV1(data);
  return invalid('not a PROXY header');
}

function parseV1(data: Buffer): ProxyParse {
  const lf = data.indexOf(0x0a);
  if (lf < 0) return data.length >= V1_MAX_BYTES ? invalid('v1 line longer than 107 bytes', true) : { kind: 'incomplete' };
  if (lf + 1 > V1_MAX_BYTES) return invalid('v1 line longer than 107 bytes', true);
  if (data[lf - 1] !== 0x0d) return invalid('v1 line not ended by CRLF');
  const line = data.subarray(0, lf - 1).toString('latin1');
  const fields = line.split(' ');
  const length = lf + 1;
  // §2.1: UNKNOWN may carry anything after it; the receiver uses the connection's own addresses.
  if (fields[1] === 'UNKNOWN') return { kind: 'header', version: 1, length, source: null };
  if (fields.length !== 6) return invalid('v1 needs protocol, two addresses and two ports');
  const [, proto, src, dst, sport, dport] = fields as [string, string, string, string, string, string];
  const family = proto === 'TCP4' ? 4 : proto === 'TCP6' ? 6 : 0;
  if (family === 0) return invalid('v1 protocol is not TCP4, TCP6 or UNKNOWN');
  if (net.isIP(src) !== family || net.isIP(dst) !== family) return invalid('v1 address does not match its protocol');
  if (!PORT.test(sport) || !PORT.test(dport) || Number(sport) > 65535 || Number(dport) > 65535) return invalid('v1 port out of range');
  return { kind: 'header', version: 1, length, source: { address: family === 6 ? ipv6Text(ipv6Bytes(src)) : src, port: Number(sport) } };
}

function parseV2(data: Buffer): ProxyParse {
  const versionCommand = data[12]!;
  const family = data[13]!;
  const length = 16 + data.readUInt16BE(14);
  if (versionCommand >> 4 !== 2) return invalid('v2 version is not 2');
  const command = versionCommand & 0x0f;
  if (command > 1) return invalid('v2 command is neither LOCAL nor PROXY');
  if (length > PROXY_HEADER_MAX_BYTES) return invalid(`v2 header of ${length} bytes`, true);
  if (data.length < length) return { kind: 'incomplete' };
  // §2.2: LOCAL is the proxy's own connection (a health check): its address is the real one.
  if (command === 0) return { kind: 'header', version: 2, length, source: null };
  const body = data.subarray(16, length);
  switch (family) {
    case 0x11: // TCP over IPv4: 4 + 4 address bytes, 2 + 2 port bytes
      if (body.length < 12) return invalid('v2 IPv4 block too short');
      return { kind: 'header', version: 2, length, source: { address: [...body.subarray(0, 4)].join('.'), port: body.readUInt16BE(8) } };
    case 0x21: // TCP over IPv6: 16 + 16 address bytes, 2 + 2 port bytes
      if (body.length < 36) return invalid('v2 IPv6 block too short');
      return { kind: 'header', version: 2, length, source: { address: ipv6Text(body.subarray(0, 16)), port: body.readUInt16BE(32) } };
    case 0x00: // UNSPEC: the proxy could not say; the receiver keeps the connection's addresses
    case 0x31: // a UNIX stream socket has no address the per-IP limits could use
      return { kind: 'header', version: 2, length, source: null };
    default:
      return invalid('v2 family is not a stream over IPv4, IPv6 or UNIX');
  }
}

/** The 16 bytes of a valid IPv6 address in text form (embedded IPv4 tail included). */
function ipv6Bytes(text: string): Buffer {
  const out = Buffer.alloc(16);
  let s = text.toLowerCase();
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  const tail: number[] = [];
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    tail.push((a << 8) | b, (c << 8) | d);
    s = s.slice(0, v4.index) + '0:0';
  }
  const [head = '', rest] = s.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((h) => parseInt(h, 16)));
  const left = parse(head);
  const right = rest === undefined ? [] : parse(rest);
  const groups = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  if (tail.length) groups.splice(6, 2, ...tail);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/** RFC 5952 §4: lowercase, no leading zeros, the longest run of two or more zero groups as "::". */
function ipv6Text(bytes: Buffer): string {
  const groups = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2));
  // RFC 5952 §5: an IPv4-mapped address keeps its dotted tail (::ffff:192.0.2.1).
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) return `::ffff:${[...bytes.subarray(12)].join('.')}`;
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}
