// `postern doctor`: every check of whether mail from this server arrives, in the order an operator
// fixes things: sending addresses and their reverse DNS, blocklists, outbound port 25 (and route
// relays), the self-test of SPF/DKIM/DMARC, the certificate, then each domain's `dns check`. Always
// true: every lookup goes through the one resolver passed in; nothing is sent anywhere except the
// SMTP greeting probes (which say QUIT); a check that cannot run is a warning, not a crash.
import type { Config } from '../config/types.ts';
import type { Resolver } from '../dns/resolver.ts';
import type { DkimKey } from '../store/domains.ts';
import { checkDomain, type CheckRow } from './dns-check.ts';
import { domainRecords } from './dns-records.ts';
import { checkList } from '../spam/dns-lists.ts';
import { parseDnsList } from '../config/dns-list-entry.ts';
import { parseRelayUrl } from '../config/relay-url.ts';
import { sendingAddresses } from './sending-addresses.ts';
import { reverseDnsRow } from './reverse-dns.ts';
import { blocklistRows } from './blocklists.ts';
import { parseHostPort, probeSmtp } from './smtp-probe.ts';
import { selfTestRows } from './self-test.ts';
import { certificateRows } from './certificate.ts';
import type { DoctorRow } from './report.ts';

export interface DoctorInput {
  config: Config;
  resolver: Resolver;
  domains: { name: string; keys: DkimKey[] }[];
  /** The certificate file serve uses, or null when it has none yet. */
  certFile: string | null;
  fetchMtaStsPolicy(domain: string): Promise<string>;
  now: number;
  /** This machine's interface addresses (tests). */
  interfaces?: () => string[];
}

// dns check's rows about finding mail clients (SRV, autoconfig) do not stop mail arriving: warnings.
function fromDnsCheck(domain: string, row: CheckRow): DoctorRow {
  const clientOnly = /^SRV |autoconfig\.|autodiscover\./.test(row.record);
  const status = row.verdict === 'ok' ? 'ok' : row.verdict === 'error' || clientOnly ? 'warn' : 'fail';
  return { check: `dns ${domain}: ${row.record}`, status, found: row.found, ...(row.fix ? { fix: row.fix } : {}) };
}

export async function runDoctor(input: DoctorInput): Promise<DoctorRow[]> {
  const { config, resolver } = input;
  const rows: DoctorRow[] = [];
  const timeoutMs = config.doctor.timeout_s * 1000;

  const sending = await sendingAddresses(config.doctor.addresses, config.hostname, resolver, input.interfaces);
  if (sending.addresses.length === 0) {
    rows.push({ check: 'sending addresses', status: 'fail', found: `no public address found (interfaces, ${config.hostname})`, fix: 'set [doctor] addresses to the public addresses this server sends from' });
  } else {
    rows.push({ check: 'sending addresses', status: sending.note ? 'warn' : 'ok', found: `${sending.addresses.join(', ')} (from ${sending.source})`, ...(sending.note ? { fix: sending.note } : {}) });
  }
  for (const address of sending.addresses) rows.push(await reverseDnsRow(resolver, address, config.hostname));

  for (const entry of config.spam.dnsbl) {
    const r = await checkList(resolver, parseDnsList(entry));
    if (!r.ok) rows.push({ check: `blocklist ${parseDnsList(entry).zone} test entries`, status: 'warn', found: r.found, ...(r.fix ? { fix: r.fix } : {}) });
  }
  rows.push(...await blocklistRows(resolver, config.spam.dnsbl, sending.addresses));

  const catchAll = config.queue.route.find((r) => r.domains.includes('*') && r.sender_domains.length === 0 && r.accounts.length === 0);
  const mx = parseHostPort(config.doctor.test_mx, 25);
  if (!mx) rows.push({ check: 'outbound port 25', status: 'fail', found: `[doctor] test_mx "${config.doctor.test_mx}" is not "host:port"`, fix: 'set [doctor] test_mx to an MX host such as "gmail-smtp-in.l.google.com:25"' });
  else {
    const probe = await probeSmtp(resolver, mx.host, mx.port, timeoutMs);
    const check = `outbound port 25 (${mx.host}:${mx.port})`;
    if (probe.ok) rows.push({ check, status: 'ok', found: probe.greeting });
    else if (catchAll) rows.push({ check, status: 'warn', found: probe.reason, fix: `all mail goes through ${catchAll.relay}, so this does not stop delivery` });
    else rows.push({ check, status: 'fail', found: probe.reason, fix: 'outbound port 25 looks blocked (common on home and cloud connections): relay through your provider with a [[queue.route]] on port 587 or 465 (README, "Routes")' });
  }
  for (const route of config.queue.route) {
    const relay = parseRelayUrl(route.relay)!;
    // Implicit TLS speaks TLS first: a plaintext greeting probe would only time out.
    if (route.tls === 'implicit') continue;
    const probe = await probeSmtp(resolver, relay.host, relay.port, timeoutMs);
    rows.push(probe.ok
      ? { check: `route relay ${route.relay}`, status: 'ok', found: probe.greeting }
      : { check: `route relay ${route.relay}`, status: 'fail', found: probe.reason, fix: 'check the relay URL of the [[queue.route]] and that this machine may connect to it' });
  }

  for (const d of input.domains) {
    rows.push(...await selfTestRows({ domain: d.name, hostname: config.hostname, keys: d.keys, addresses: sending.addresses, resolver, timeoutMs: config.inbound.verify_timeout_ms, now: input.now }));
  }

  rows.push(...certificateRows(input.certFile, config.hostname, input.domains.map((d) => d.name), input.now));

  for (const d of input.domains) {
    const expected = domainRecords({ domain: d.name, hostname: config.hostname, dkimKeys: d.keys, mtaSts: { mode: config.mta_sts.mode, maxAgeS: config.mta_sts.max_age_s } });
    const checked = await checkDomain({ domain: d.name, hostname: config.hostname, expected, mtaStsMode: config.mta_sts.mode, resolver, fetchMtaStsPolicy: input.fetchMtaStsPolicy });
    rows.push(...checked.map((r) => fromDnsCheck(d.name, r)));
  }
  return rows;
}
