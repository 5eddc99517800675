// The addresses `postern doctor` checks as "the addresses we send from": [doctor] addresses when
// set; else this machine's public interface addresses (what the kernel would use to dial out);
// else, behind NAT, the hostname's A/AAAA records (the public address is usually what it names).
// Always true: only public unicast addresses are returned, each once.
import os from 'node:os';
import { DnsTemporaryError, type Resolver } from '../dns/resolver.ts';
import { isPublicAddress } from '../net/public-address.ts';

export interface SendingAddresses { addresses: string[]; source: 'config' | 'interfaces' | 'hostname' | 'none'; note?: string }

export async function sendingAddresses(configured: string[], hostname: string, resolver: Resolver,
  interfaces: () => string[] = () => Object.values(os.networkInterfaces()).flatMap((l) => (l ?? []).filter((i) => !i.internal).map((i) => i.address))): Promise<SendingAddresses> {
  if (configured.length > 0) return { addresses: [...new Set(configured)], source: 'config' };
  const local = [...new Set(interfaces().filter((a) => isPublicAddress(a)))];
  if (local.length > 0) return { addresses: local, source: 'interfaces' };
  try {
    const named = [...new Set([...(await resolver.a(hostname)), ...(await resolver.aaaa(hostname))].filter((a) => isPublicAddress(a)))];
    if (named.length > 0) return { addresses: named, source: 'hostname', note: `no public address on this machine's interfaces (NAT?): checking the addresses of ${hostname}; set [doctor] addresses to the ones you really send from` };
  } catch (err) {
    if (!(err instanceof DnsTemporaryError)) throw err;
  }
  return { addresses: [], source: 'none' };
}
