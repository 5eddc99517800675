// `postern domain add|list|remove`.
import { DOMAIN_USAGE } from './usage.ts';
import { parseArgs, expectPositionals } from './args.ts';
import { withStore } from './context.ts';
import { OperationError, UsageError } from './errors.ts';
import { emit, table, type Output } from './output.ts';
import { normalizeDomain } from '../store/addresses.ts';
import { generateDkimKeys } from '../email-auth/dkim-keys.ts';
import { domainRecords, zoneLine } from '../doctor/dns-records.ts';


export async function domainCommand(argv: string[], o: Output): Promise<void> {
  const args = parseArgs(argv, { force: false });
  const [verb, ...rest] = args.positionals;
  args.positionals = rest;
  switch (verb) {
    case 'add': {
      const [name] = expectPositionals(args, 1, 1, 'postern domain add DOMAIN');
      const domain = validDomain(name!);
      await withStore(args, async (store, config) => {
        if (await store.domains.find(domain)) throw new OperationError(`domain ${domain} already exists (see "postern domain list")`);
        const row = await store.domains.add(domain, generateDkimKeys(new Date()));
        const keys = await store.domains.dkimKeys(domain);
        const records = domainRecords({ domain, hostname: config.hostname, dkimKeys: keys, mtaSts: { mode: config.mta_sts.mode, maxAgeS: config.mta_sts.max_age_s } });
        emit(o, { domain: row.name, dkim: keys.map((k) => ({ selector: k.selector, algorithm: k.algorithm })), records },
          `Added domain ${domain}.\nPublish these DNS records (also: postern dns records ${domain}):\n\n${records.map(zoneLine).join('\n')}`);
      });
      return;
    }
    case 'list': {
      expectPositionals(args, 0, 0, 'postern domain list');
      await withStore(args, async (store) => {
        const rows = await store.domains.list();
        const data = rows.map((d) => ({ domain: d.name, accounts: d.accounts, aliases: d.aliases, created: new Date(d.createdAt).toISOString() }));
        emit(o, data, table(data, ['domain', 'accounts', 'aliases', 'created']));
      });
      return;
    }
    case 'remove': {
      const [name] = expectPositionals(args, 1, 1, 'postern domain remove DOMAIN [--force]');
      const domain = validDomain(name!);
      await withStore(args, async (store) => {
        const row = await store.domains.find(domain);
        if (!row) throw new OperationError(`no domain ${domain} (see "postern domain list")`);
        const force = args.flags.has('force');
        if (row.accounts > 0 && !force) {
          throw new OperationError(`domain ${domain} still has ${row.accounts} account(s); remove them first ("postern user list"), or add --force to delete them and their mail`);
        }
        await store.domains.remove(row.id, force);
        emit(o, { removed: domain, accounts: force ? row.accounts : 0 }, `Removed domain ${domain}${force && row.accounts ? ` and its ${row.accounts} account(s)` : ''}.`);
      });
      return;
    }
    default:
      throw new UsageError(`usage: ${DOMAIN_USAGE}`);
  }
}

export function validDomain(name: string): string {
  const domain = normalizeDomain(name);
  if (!domain || !domain.includes('.') || !/^[a-z0-9.-]+$/.test(domain) || domain.split('.').some((l) => !l || l.length > 63)) {
    throw new UsageError(`"${name}" is not a domain name (expected something like example.com)`);
  }
  return domain;
}
