// Forward-confirmed reverse DNS through the one resolver: some PTR name of the client IP resolves
// back to that IP. Always true: a temporary DNS failure is "unknown" (null), never "not confirmed".
import { isIP } from 'node:net';
import { DnsTemporaryError, type Resolver } from '../dns/resolver.ts';
import { unmapIp } from './signals.ts';

/** PTR names followed per address: a client with many PTR records gets no more lookups than this. */
const MAX_NAMES = 3;

export async function fcrdnsConfirmed(resolver: Resolver, address: string): Promise<boolean | null> {
  const ip = unmapIp(address);
  const v = isIP(ip);
  if (!v) return null;
  try {
    const names = (await resolver.ptr(ip)).slice(0, MAX_NAMES);
    for (const name of names) {
      const addresses = v === 4 ? await resolver.a(name) : await resolver.aaaa(name);
      if (addresses.some((a) => a.toLowerCase() === ip.toLowerCase())) return true;
    }
    return false;
  } catch (err) {
    if (err instanceof DnsTemporaryError) return null;
    throw err;
  }
}
