// Where to deliver mail for a domain: MX lookup through the one resolver (RFC 5321 §5.1). Always
// true: hosts come in preference order with equal preferences shuffled; a domain without MX uses
// its own A/AAAA (implicit MX); a null MX (RFC 7505) or a domain with neither is a permanent
// failure; addresses that are loopback, private, link-local or our own are never dialled unless
// `[testing] allow_private_mx` is on. A temporary DNS error propagates (DnsTemporaryError) so the
// caller retries instead of bouncing.
import { DnsTemporaryError, type Resolver } from '../dns/resolver.ts';
import { isPublicAddress } from '../net/public-address.ts';

export interface DeliveryHost {
  /** The MX host name (certificate name for STARTTLS and MTA-STS matching). */
  name: string;
  preference: number;
  /** Addresses to dial, IPv6 first is not assumed: in the order DNS returned, A then AAAA. */
  addresses: string[];
}

export type RouteResult =
  | { kind: 'hosts'; hosts: DeliveryHost[] }
  | { kind: 'permanent'; status: string; reason: string };

export interface RouteOptions {
  resolver: Resolver;
  allowPrivate: boolean;
  /** This server's own addresses: an MX pointing back at us is a mail loop. */
  ownAddresses: Set<string>;
  random?: () => number;
}

function shuffleEqualPreferences<T extends { preference: number }>(items: T[], random: () => number): T[] {
  const shuffled = items.map((item) => ({ item, key: random() }));
  shuffled.sort((a, b) => a.item.preference - b.item.preference || a.key - b.key);
  return shuffled.map((s) => s.item);
}

async function addressesOf(resolver: Resolver, name: string): Promise<string[]> {
  const [a, aaaa] = await Promise.all([resolver.a(name), resolver.aaaa(name)]);
  return [...a, ...aaaa];
}

export async function resolveRoute(domain: string, opts: RouteOptions): Promise<RouteResult> {
  const random = opts.random ?? Math.random;
  const mx = await opts.resolver.mx(domain);
  // RFC 7505 §3: a single MX with an empty exchange ("."): the domain accepts no mail.
  if (mx.some((r) => r.exchange === '' || r.exchange === '.')) {
    return { kind: 'permanent', status: '5.1.10', reason: `${domain} publishes a null MX and accepts no mail (RFC 7505)` };
  }
  let candidates: { name: string; preference: number }[];
  if (mx.length === 0) {
    // RFC 5321 §5.1: no MX records: the domain itself is the implicit MX, preference 0.
    candidates = [{ name: domain, preference: 0 }];
  } else {
    candidates = shuffleEqualPreferences(mx.map((r) => ({ name: r.exchange.replace(/\.$/, ''), preference: r.priority })), random);
  }

  const hosts: DeliveryHost[] = [];
  let refused = 0;
  let temporary: DnsTemporaryError | null = null;
  for (const c of candidates) {
    let addresses: string[];
    try {
      addresses = await addressesOf(opts.resolver, c.name);
    } catch (err) {
      if (err instanceof DnsTemporaryError) { temporary = err; continue; }
      throw err;
    }
    const usable = addresses.filter((a) => opts.allowPrivate || (isPublicAddress(a) && !opts.ownAddresses.has(a)));
    if (addresses.length > 0 && usable.length === 0) refused++;
    if (usable.length > 0) hosts.push({ name: c.name, preference: c.preference, addresses: usable });
  }
  if (hosts.length > 0) return { kind: 'hosts', hosts };
  if (temporary) throw temporary;
  if (refused > 0) {
    return { kind: 'permanent', status: '5.4.4', reason: `the mail exchangers of ${domain} resolve only to loopback, private, link-local or our own addresses` };
  }
  return { kind: 'permanent', status: '5.1.2', reason: mx.length === 0 ? `${domain} has no MX, A or AAAA record` : `no MX host of ${domain} has an address` };
}
