// A `[spam] dnsbl` / `dnswl` entry (RFC 5782 lists): its zone and which answers are listing codes.
// Pure, so the config loader can refuse a malformed entry and the spam filter and `dns check` read
// the same parse (the lookups are in spam/dns-lists.ts). Always true: an answer counts as a listing
// only when it is one of the zone's documented listing codes (see the table below), or of the
// codes the entry names; anything else is not a listing.
import { isIP } from 'node:net';

export interface DnsList {
  zone: string;
  /** True for an answer that is a documented listing code of this zone. */
  isListing(address: string): boolean;
  /** How the codes were chosen, for `dns check` and the README. */
  codes: string;
}

const toNumber = (a: string) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);

// Documented codes of common lists. Spamhaus ZEN: https://docs.spamhaus.com/datasets/docs/source/40-real-world-usage/PublicMirrors/MTAs/020-Postfix.html
// (127.0.0.2–.4 SBL/CSS/XBL, .9 DROP, .10–.11 PBL); Spamcop and Barracuda: 127.0.0.2; DNSWL.org:
// 127.0.X.Y with Y the trust level 0–3 (127.0.0.255 means "over the free limit").
const KNOWN: Record<string, { codes: string; test: (a: string) => boolean }> = {
  'zen.spamhaus.org': { codes: '127.0.0.2-127.0.0.11', test: (a) => inRange(a, '127.0.0.2', '127.0.0.11') },
  'bl.spamcop.net': { codes: '127.0.0.2', test: (a) => a === '127.0.0.2' },
  'b.barracudacentral.org': { codes: '127.0.0.2', test: (a) => a === '127.0.0.2' },
  'list.dnswl.org': { codes: '127.0.X.0-3', test: (a) => /^127\.0\.\d{1,3}\.[0-3]$/.test(a) },
};

function inRange(a: string, lo: string, hi: string): boolean {
  if (isIP(a) !== 4) return false;
  const n = toNumber(a);
  return n >= toNumber(lo) && n <= toNumber(hi);
}

/**
 * A list from config: "zone" (the documented codes of a known zone, else RFC 5782's 127.0.0.2–127.0.0.254)
 * or "zone=127.0.0.2,127.0.0.4-127.0.0.7" naming the codes. Throws on a malformed entry.
 */
export function parseDnsList(entry: string): DnsList {
  const [zonePart, codePart] = entry.split('=', 2) as [string, string | undefined];
  const zone = zonePart.trim().toLowerCase().replace(/\.$/, '');
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(zone)) throw new Error(`"${entry}" is not a DNS zone`);
  if (codePart === undefined) {
    // Spamhaus DQS zones (KEY.zen.dq.spamhaus.net) use ZEN's codes.
    const known = KNOWN[zone] ?? (zone.endsWith('.zen.dq.spamhaus.net') ? KNOWN['zen.spamhaus.org'] : undefined);
    if (known) return { zone, isListing: known.test, codes: known.codes };
    return { zone, isListing: (a) => inRange(a, '127.0.0.2', '127.0.0.254'), codes: '127.0.0.2-127.0.0.254' };
  }
  const ranges = codePart.split(',').map((r) => r.trim()).filter(Boolean).map((r) => {
    const [lo, hi = lo] = r.split('-', 2) as [string, string?];
    if (isIP(lo) !== 4 || isIP(hi) !== 4) throw new Error(`"${r}" in "${entry}" is not an IPv4 address or range`);
    return [lo, hi] as const;
  });
  if (ranges.length === 0) throw new Error(`"${entry}" names no listing codes`);
  return { zone, isListing: (a) => ranges.some(([lo, hi]) => inRange(a, lo, hi)), codes: codePart };
}
