// Sender signals a message carries, as [kind, value] pairs the store counts reputation by: the From
// address, its domain and organisational domain (public suffix list), the DKIM- and SPF-verified
// domains, and the connecting IP's networks (/32, /26, /21; IPv6 /64, /48, /32). Pure. Always true:
// verified kinds ('dkim', 'spf') come only from a pass; loopback and private addresses give no IP
// signal (mail from a local relay says nothing about the sender).
import { isIP } from 'node:net';
import { getDomain } from 'tldts';
import type { Signal } from '../store/spam.ts';

export interface SignalInput {
  /** The From header's address, lowercase, or null. */
  from: string | null;
  dkimPass: readonly string[];
  spfPass: string | null;
  ip: string;
  /** Judge a loopback address as public ([testing] spam_loopback_is_public). */
  loopbackIsPublic?: boolean;
}

export function orgDomainOf(domain: string): string {
  return getDomain(domain, { allowPrivateDomains: false }) ?? domain;
}

export function signalsOf(input: SignalInput): Signal[] {
  const out: Signal[] = [];
  if (input.from) {
    out.push(['from', input.from]);
    const domain = input.from.slice(input.from.lastIndexOf('@') + 1);
    if (domain) {
      out.push(['domain', domain]);
      const org = orgDomainOf(domain);
      if (org !== domain) out.push(['org', org]);
    }
  }
  for (const d of new Set(input.dkimPass.map((x) => x.toLowerCase()))) out.push(['dkim', d]);
  if (input.spfPass) out.push(['spf', input.spfPass.toLowerCase()]);
  out.push(...ipSignals(input.ip, input.loopbackIsPublic));
  return out;
}

/** "::ffff:192.0.2.1" (a dual-stack listener's form of an IPv4 client) as "192.0.2.1". */
export function unmapIp(ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m ? m[1]! : ip;
}

export function ipSignals(address: string, loopbackIsPublic = false): Signal[] {
  const ip = unmapIp(address);
  const v = isIP(ip);
  if (v === 4) {
    const n = ip.split('.').map(Number);
    if (!isPublicIp(ip, loopbackIsPublic)) return [];
    const value = (n[0]! << 24 >>> 0) + (n[1]! << 16) + (n[2]! << 8) + n[3]!;
    const net = (bits: number) => {
      const masked = bits === 0 ? 0 : (value & (~0 << (32 - bits))) >>> 0;
      return `${[24, 16, 8, 0].map((s) => (masked >>> s) & 255).join('.')}/${bits}`;
    };
    return [['ip32', ip], ['ip26', net(26)], ['ip21', net(21)]];
  }
  if (v === 6) {
    const groups = expandV6(ip);
    if (!groups || !isPublicIp(ip, loopbackIsPublic)) return [];
    const net = (n: number) => `${groups.slice(0, n).join(':')}::/${n * 16}`;
    return [['ip64', net(4)], ['ip48', net(3)], ['ip6_32', net(2)]];
  }
  return [];
}

export function isPublicIp(address: string, loopbackIsPublic = false): boolean {
  const ip = unmapIp(address);
  if (loopbackIsPublic && (ip.startsWith('127.') || ip === '::1')) return true;
  const v = isIP(ip);
  if (v === 4) return isPublicV4(ip.split('.').map(Number));
  if (v === 6) {
    const g = expandV6(ip);
    return g !== null && isPublicV6(g);
  }
  return false;
}

function isPublicV4([a, b]: number[]): boolean {
  if (a === 10 || a === 127 || a === 0 || a! >= 224) return false;
  if (a === 169 && b === 254) return false;
  if (a === 172 && b! >= 16 && b! <= 31) return false;
  if (a === 192 && b === 168) return false;
  if (a === 100 && b! >= 64 && b! <= 127) return false;
  return true;
}

function isPublicV6(g: string[]): boolean {
  const first = parseInt(g[0]!, 16);
  // The unspecified and loopback addresses (::, ::1).
  if (g.slice(0, 7).every((x) => x === '0000')) return false;
  if ((first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80 || (first & 0xff00) === 0xff00) return false;
  // IPv4-mapped addresses were unmapped by the caller; any left are malformed.
  if (g.slice(0, 5).every((x) => x === '0000') && g[5] === 'ffff') return false;
  return true;
}

/** Eight 4-digit lowercase groups, or null. */
export function expandV6(ip: string): string[] | null {
  if (isIP(ip) !== 6) return null;
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  if (t.length && t[t.length - 1]!.includes('.')) return null;
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.map((x) => x.toLowerCase().padStart(4, '0'));
}
