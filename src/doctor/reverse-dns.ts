// Forward-confirmed reverse DNS of each sending address, compared with `hostname`. Gmail refuses
// mail from an address without a PTR (550 5.7.25), and most receivers want the PTR name to resolve
// back to the address (FCrDNS) and to be the name we greet with. Always true: a temporary DNS
// failure is a warning ("could not check"), never a verdict about the record.
import { isIP } from 'node:net';
import { DnsTemporaryError, type Resolver } from '../dns/resolver.ts';
import type { DoctorRow } from './report.ts';

const bare = (n: string) => n.toLowerCase().replace(/\.$/, '');

export async function reverseDnsRow(resolver: Resolver, address: string, hostname: string): Promise<DoctorRow> {
  const check = `reverse DNS ${address}`;
  const family = isIP(address) === 6 ? 'IPv6' : 'IPv4';
  try {
    const names = (await resolver.ptr(address)).map(bare);
    if (names.length === 0) {
      return {
        check, status: 'fail', found: 'no PTR record',
        fix: `ask whoever owns ${address} (your hosting or access provider) to set its PTR to ${hostname}${family === 'IPv6' ? '; Gmail refuses mail from IPv6 addresses without a PTR (550 5.7.25)' : ''}`,
      };
    }
    const confirmed: string[] = [];
    for (const name of names.slice(0, 3)) {
      const forward = family === 'IPv6' ? await resolver.aaaa(name) : await resolver.a(name);
      if (forward.some((a) => a.toLowerCase() === address.toLowerCase())) confirmed.push(name);
    }
    if (confirmed.length === 0) {
      return { check, status: 'fail', found: `PTR ${names.join(', ')}, which does not resolve back to ${address}`, fix: `publish ${family === 'IPv6' ? 'AAAA' : 'A'} ${names[0]} → ${address} (forward-confirmed reverse DNS), or set the PTR to ${hostname}` };
    }
    if (!confirmed.includes(bare(hostname))) {
      return { check, status: 'warn', found: `PTR ${confirmed[0]} (confirmed), not the hostname ${hostname}`, fix: `receivers compare the PTR with our EHLO name: set the PTR to ${hostname}, or set hostname to ${confirmed[0]}` };
    }
    return { check, status: 'ok', found: `PTR ${bare(hostname)} → ${address}` };
  } catch (err) {
    if (!(err instanceof DnsTemporaryError)) throw err;
    return { check, status: 'warn', found: err.message, fix: 'the lookup failed temporarily: check [dns] servers and run the doctor again' };
  }
}
