// The one outbound address filter: may Postern dial this address for a peer named by the internet
// (an MX host, an MTA-STS policy host)? Pure. Always true: every outbound connection whose address
// comes from DNS passes through isPublicAddress (unless `[testing] allow_private_mx`); an address
// that embeds an IPv4 address (IPv4-mapped, NAT64 64:ff9b::/96, 6to4 2002::/16) is judged by that
// IPv4 address, so no IPv6 spelling reaches a loopback or private IPv4 network.
import { BlockList, isIP } from 'node:net';
import { expandIpv6 } from './client-address.ts';

// RFC 6890 special-purpose IPv4 blocks that reach inside a network (plus multicast and the
// reserved 240/4, which includes the limited broadcast). The documentation blocks route nowhere, so
// dialling one only times out; they stay usable as stand-ins for public addresses in tests.
const NON_PUBLIC_V4: [string, number][] = [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
];
// IPv6 blocks never used by a public server: unspecified and loopback, IPv4-compatible (::/96,
// deprecated by RFC 4291 §2.5.5.1), discard-only 100::/64 (RFC 6666), local-use NAT64
// 64:ff9b:1::/48 (RFC 8215), Teredo, benchmarking, ORCHID, unique local fc00::/7, link-local
// fe80::/10, the deprecated site-local fec0::/10 (RFC 3879) and multicast.
const NON_PUBLIC_V6: [string, number][] = [
  ['::', 96], ['100::', 64], ['64:ff9b:1::', 48], ['2001::', 32], ['2001:2::', 48], ['2001:10::', 28],
  ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
];

const blocked = new BlockList();
for (const [net, prefix] of NON_PUBLIC_V4) blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of NON_PUBLIC_V6) blocked.addSubnet(net, prefix, 'ipv6');

/** The IPv4 address an IPv6 address carries: IPv4-mapped ::ffff:0:0/96, NAT64 64:ff9b::/96, 6to4 2002::/16. */
function embeddedIpv4(groups: number[]): string | null {
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  const zeros = (from: number, to: number) => groups.slice(from, to).every((g) => g === 0);
  if (zeros(0, 5) && groups[5] === 0xffff) return v4(groups[6]!, groups[7]!);
  // RFC 6052 §2.1: the well-known prefix 64:ff9b::/96 carries the IPv4 address in its last 32 bits.
  if (groups[0] === 0x64 && groups[1] === 0xff9b && zeros(2, 6)) return v4(groups[6]!, groups[7]!);
  // RFC 3056 §2: 2002:V4ADDR::/48.
  if (groups[0] === 0x2002) return v4(groups[1]!, groups[2]!);
  return null;
}

export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !blocked.check(address, 'ipv4');
  if (family !== 6) return false;
  const groups = expandIpv6(address);
  if (!groups) return false;
  const embedded = embeddedIpv4(groups);
  if (embedded !== null) return isPublicAddress(embedded);
  return !blocked.check(groups.map((g) => g.toString(16)).join(':'), 'ipv6');
}
