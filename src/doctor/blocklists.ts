// Each sending address on each configured DNS blocklist ([spam] dnsbl, the lists the spam filter
// uses). Always true: only a documented listing code is "listed"; Spamhaus' 127.255.255.x answers
// (queries through a public or provider resolver, or over quota) mean this resolver cannot query
// the list, reported as a warning with that explanation and never as a listing (RFC 5782 §2.1).
import { lookupList } from '../spam/dns-lists.ts';
import { parseDnsList } from '../config/dns-list-entry.ts';
import type { Resolver } from '../dns/resolver.ts';
import type { DoctorRow } from './report.ts';

export async function blocklistRows(resolver: Resolver, lists: string[], addresses: string[]): Promise<DoctorRow[]> {
  if (lists.length === 0) {
    return [{ check: 'blocklists', status: 'warn', found: 'no DNS blocklists configured', fix: 'add [spam] dnsbl = ["zen.spamhaus.org"] (through a local recursive resolver) so the doctor can tell whether your addresses are listed' }];
  }
  const rows: DoctorRow[] = [];
  for (const entry of lists) {
    const list = parseDnsList(entry);
    for (const address of addresses) {
      const check = `blocklist ${list.zone} ${address}`;
      const answer = await lookupList(resolver, list, address);
      if (answer.kind === 'not-listed') rows.push({ check, status: 'ok', found: 'not listed' });
      else if (answer.kind === 'listed') {
        rows.push({
          check, status: 'fail', found: `listed (${answer.code})`,
          fix: `look ${address} up at the list's site${/spamhaus/.test(list.zone) ? ' (https://check.spamhaus.org)' : ''} and request removal; until then, send through a smarthost ([[queue.route]])`,
        });
      } else if (/127\.255\.255\.\d+/.test(answer.reason)) {
        rows.push({
          check, status: 'warn', found: `this resolver cannot query ${/spamhaus/.test(list.zone) ? 'Spamhaus' : list.zone}: ${answer.reason}`,
          fix: 'Spamhaus refuses queries from public and provider resolvers: use a local recursive resolver in [dns] servers, or a Spamhaus DQS key zone',
        });
      } else rows.push({ check, status: 'warn', found: `could not check: ${answer.reason}`, fix: 'check [dns] servers and the zone name' });
    }
  }
  return rows;
}
