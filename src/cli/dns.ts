// `postern dns records DOMAIN`: every record the domain needs, as zone-file lines.
import { parseArgs } from './args.ts';
import { withStore } from './context.ts';
import { OperationError, UsageError } from './errors.ts';
import { emit, type Output } from './output.ts';
import { validDomain } from './domain.ts';
import { domainRecords, zoneLine } from '../dns/records.ts';

export const DNS_USAGE = 'postern dns records DOMAIN';

export async function dnsCommand(argv: string[], o: Output): Promise<void> {
  const args = parseArgs(argv);
  const [verb, name, ...extra] = args.positionals;
  if (verb !== 'records' || !name || extra.length > 0) throw new UsageError(`usage: ${DNS_USAGE}`);
  const domain = validDomain(name);
  await withStore(args, async (store, config) => {
    if (!(await store.domains.find(domain))) throw new OperationError(`no domain ${domain} (add it with "postern domain add ${domain}")`);
    const records = domainRecords({
      domain, hostname: config.hostname, dkimKeys: await store.domains.dkimKeys(domain),
      mtaSts: { mode: config.mta_sts.mode, maxAgeS: config.mta_sts.max_age_s },
    });
    emit(o, records, [`; DNS records for ${domain} (mail server ${config.hostname})`, ...records.map((r) => `; ${r.purpose}\n${zoneLine(r)}`)].join('\n'));
  });
}
