// `postern dns records DOMAIN`: every record the domain needs, as zone-file lines.
// `postern dns check DOMAIN`: looks each of them up through [dns] servers and prints a verdict per
// record; exits 1 when any record is missing or wrong, so it can run from cron.
import { DNS_USAGE } from './usage.ts';
import { parseArgs } from './args.ts';
import { withStore } from './context.ts';
import { OperationError, UsageError } from './errors.ts';
import { emit, table, type Output } from './output.ts';
import { validDomain } from './domain.ts';
import { domainRecords, zoneLine } from '../doctor/dns-records.ts';
import { checkDomain, checkFailed } from '../doctor/dns-check.ts';
import { createResolver } from '../dns/resolver.ts';
import { httpsPolicyFetcher } from '../queue/mta-sts.ts';
import { checkList } from '../spam/dns-lists.ts';
import { parseDnsList } from '../config/dns-list-entry.ts';
import type { CheckRow } from '../doctor/dns-check.ts';
import type { Resolver } from '../dns/resolver.ts';

/** [spam] dnsbl/dnswl: each list's RFC 5782 test entries, so a list answering errors for every query is reported. */
async function checkDnsLists(resolver: Resolver, entries: string[], kind: 'dnsbl' | 'dnswl'): Promise<CheckRow[]> {
  const rows: CheckRow[] = [];
  for (const entry of entries) {
    const list = parseDnsList(entry);
    const r = await checkList(resolver, list);
    rows.push({ record: `${kind} ${list.zone}`, expected: `127.0.0.2 listed (codes ${list.codes}), 127.0.0.1 not`, found: r.found, verdict: r.ok ? 'ok' : 'error', fix: r.fix });
  }
  return rows;
}


export async function dnsCommand(argv: string[], o: Output): Promise<void> {
  const args = parseArgs(argv);
  const [verb, name, ...extra] = args.positionals;
  if ((verb !== 'records' && verb !== 'check') || !name || extra.length > 0) throw new UsageError(`usage: ${DNS_USAGE}`);
  const domain = validDomain(name);
  await withStore(args, async (store, config) => {
    if (!(await store.domains.find(domain))) throw new OperationError(`no domain ${domain} (add it with "postern domain add ${domain}")`);
    const records = domainRecords({
      domain, hostname: config.hostname, dkimKeys: await store.domains.dkimKeys(domain),
      mtaSts: { mode: config.mta_sts.mode, maxAgeS: config.mta_sts.max_age_s },
    });
    if (verb === 'records') {
      emit(o, records, [`; DNS records for ${domain} (mail server ${config.hostname})`, ...records.map((r) => `; ${r.purpose}\n${zoneLine(r)}`)].join('\n'));
      return;
    }
    const resolver = createResolver({ servers: config.dns.servers, timeoutMs: config.dns.timeout_ms, tries: config.dns.tries });
    const rows = await checkDomain({
      domain, hostname: config.hostname, expected: records, mtaStsMode: config.mta_sts.mode, resolver,
      fetchMtaStsPolicy: httpsPolicyFetcher({ resolver, timeoutMs: config.dns.timeout_ms * 4, allowPrivate: config.testing.allow_private_mx }),
    });
    rows.push(...await checkDnsLists(resolver, config.spam.dnsbl, 'dnsbl'), ...await checkDnsLists(resolver, config.spam.dnswl, 'dnswl'));
    const failed = rows.filter((r) => r.verdict !== 'ok').length;
    const fixes = rows.filter((r) => r.fix).map((r) => `- ${r.record}: ${r.fix}`);
    emit(o, { domain, ok: !checkFailed(rows), rows }, [
      table(rows.map((r) => ({ ...r })), ['record', 'expected', 'found', 'verdict']),
      ...(fixes.length ? ['', 'To fix:', ...fixes] : []),
    ].join('\n'));
    if (failed > 0) throw new OperationError(`${failed} of ${rows.length} DNS checks for ${domain} need attention`);
  });
}
