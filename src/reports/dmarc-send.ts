// Sending DMARC aggregate reports (RFC 7489 §7.2), when [inbound] dmarc_reports is on: once a UTC
// day is over, each policy domain we received mail from gets one report of what we saw (per
// source IP, alignment and disposition), as gzipped XML (Appendix C) attached to a message sent
// through the queue and DKIM-signed as one of our domains. Always true: only mailto: rua
// destinations are used, at most DMARC_REPORT_MAX_DESTINATIONS, each within its "!size" limit; a
// destination outside the policy domain gets the report only when it publishes
// "<policy-domain>._report._dmarc.<its host>" with v=DMARC1 (§7.1; without a public suffix list
// "outside" means not the policy domain or below it, so consent is asked more often than §7.1
// requires, never less); a temporary DNS failure leaves the day for the next run; a (day, domain)
// is reported at most once.
import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import type { Store } from '../store/api.ts';
import type { Logger } from '../log.ts';
import type { DmarcResultRow } from '../store/dmarc-results.ts';
import { DnsTemporaryError, type Resolver } from '../dns/resolver.ts';
import { utcDay } from '../queue/tls-results.ts';
import { reportForQueue } from './report-message.ts';
import { DMARC_REPORT_MAX_DESTINATIONS, REPORT_MAX_RECORDS } from '../limits.ts';

export interface DmarcReportSenderInput {
  store: Store;
  resolver: Resolver;
  hostname: string;
  log: Logger;
  now: number;
  /** How long the queued report is retried (the queue's lifetime). */
  lifetimeMs: number;
}

/** The tags of the DMARC record among `records` (RFC 7489 §6.3), or null. */
export function dmarcTags(records: string[]): Map<string, string> | null {
  const record = records.find((r) => /^v\s*=\s*DMARC1\s*(;|$)/i.test(r.trim()));
  if (!record) return null;
  const tags = new Map<string, string>();
  for (const part of record.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) tags.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  return tags;
}

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** RFC 7489 §6.2/§6.4: rua=mailto:a@b!10m,… → the mailto addresses with their size limits. */
export function dmarcRuaTargets(records: string[]): { address: string; maxBytes: number | null }[] {
  const rua = dmarcTags(records)?.get('rua');
  if (!rua) return [];
  const out: { address: string; maxBytes: number | null }[] = [];
  for (const uri of rua.split(',').map((u) => u.trim())) {
    const m = /^mailto:([^!]+)(?:!(\d{1,12})([kmgt]?))?$/i.exec(uri);
    if (!m) continue;
    let address: string;
    try {
      address = decodeURIComponent(m[1]!.split('?')[0]!).trim();
    } catch {
      continue;
    }
    if (!/^[^@\s<>]+@[A-Za-z0-9.-]+$/.test(address)) continue;
    // A limit beyond any report's size (999999999999t) is no limit, not an unsafe number.
    const limit = m[2] ? Number(m[2]) * UNITS[m[3]!.toLowerCase()]! : null;
    out.push({ address, maxBytes: limit !== null && Number.isSafeInteger(limit) ? limit : null });
    if (out.length >= DMARC_REPORT_MAX_DESTINATIONS) break;
  }
  return out;
}

/** §7.1: may a report about `policyDomain` go to a mailbox at `host`? Throws DnsTemporaryError. */
export async function destinationAllowed(resolver: Resolver, policyDomain: string, host: string): Promise<boolean> {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (h === policyDomain || h.endsWith(`.${policyDomain}`)) return true;
  const records = (await resolver.txt(`${policyDomain}._report._dmarc.${h}`)).filter((r) => /^v\s*=\s*DMARC1\s*(;|$)/i.test(r.trim()));
  // Step 5: none, or more than one, is no positive determination.
  return records.length === 1;
}

const xml = (v: string | number) => String(v).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The Appendix C document for one day of results about one policy domain. */
export function dmarcReportXml(input: {
  hostname: string; contact: string; reportId: string; day: number; domain: string; tags: Map<string, string>; rows: DmarcResultRow[];
}): string {
  const { tags } = input;
  const p = tags.get('p') ?? 'none';
  const records = input.rows.slice(0, REPORT_MAX_RECORDS).map((r) => {
    const dkim = (JSON.parse(r.dkim) as { domain: string; selector: string; result: string }[])
      .map((d) => `      <dkim><domain>${xml(d.domain)}</domain><selector>${xml(d.selector)}</selector><result>${xml(d.result)}</result></dkim>\n`).join('');
    return '  <record>\n'
      + `    <row><source_ip>${xml(r.sourceIp)}</source_ip><count>${r.count}</count>`
      + `<policy_evaluated><disposition>${r.disposition}</disposition><dkim>${r.dkimAligned}</dkim><spf>${r.spfAligned}</spf></policy_evaluated></row>\n`
      + `    <identifiers><header_from>${xml(r.headerFrom)}</header_from></identifiers>\n`
      + `    <auth_results>\n${dkim}      <spf><domain>${xml(r.spfDomain)}</domain><result>${xml(r.spfResult)}</result></spf>\n    </auth_results>\n`
      + '  </record>\n';
  }).join('');
  return '<?xml version="1.0" encoding="UTF-8"?>\n<feedback>\n'
    + `  <report_metadata><org_name>${xml(input.hostname)}</org_name><email>${xml(input.contact)}</email><report_id>${xml(input.reportId)}</report_id>`
    + `<date_range><begin>${input.day * 86400}</begin><end>${input.day * 86400 + 86399}</end></date_range></report_metadata>\n`
    + `  <policy_published><domain>${xml(input.domain)}</domain><adkim>${tags.get('adkim') === 's' ? 's' : 'r'}</adkim><aspf>${tags.get('aspf') === 's' ? 's' : 'r'}</aspf>`
    + `<p>${xml(p)}</p><sp>${xml(tags.get('sp') ?? p)}</sp><pct>${/^\d{1,3}$/.test(tags.get('pct') ?? '') ? tags.get('pct') : 100}</pct></policy_published>\n`
    + records + '</feedback>\n';
}

export async function sendDueDmarcReports(input: DmarcReportSenderInput): Promise<number> {
  const { store, resolver, hostname, log, now } = input;
  const ours = await store.domains.list();
  if (ours.length === 0) return 0;
  const from = ours[0]!.name;
  const keys = await store.domains.dkimKeys(from);
  let sent = 0;
  for (const { day, domain } of await store.dmarcResults.due(utcDay(now))) {
    let tags: Map<string, string> | null;
    let to: string[] = [];
    try {
      const records = await resolver.txt(`_dmarc.${domain}`);
      tags = dmarcTags(records);
      const rows = await store.dmarcResults.results(day, domain);
      const reportId = `${day}.${randomBytes(6).toString('hex')}@${hostname}`;
      const document = tags ? dmarcReportXml({ hostname, contact: `postmaster@${from}`, reportId, day, domain, tags, rows }) : '';
      const gz = zlib.gzipSync(document);
      for (const target of dmarcRuaTargets(records)) {
        if (target.maxBytes !== null && gz.length > target.maxBytes) continue;
        if (await destinationAllowed(resolver, domain, target.address.slice(target.address.lastIndexOf('@') + 1))) to.push(target.address);
        else log.info({ domain, to: target.address }, 'DMARC report destination has not consented (RFC 7489 §7.1): not sent there');
      }
      to = [...new Set(to)];
      if (tags && to.length > 0) {
        await store.queue.accept(reportForQueue({
          hostname, from, fromName: 'DMARC reporting', to, domain, day, reportId, headers: [], multipart: 'multipart/mixed',
          text: `This is the DMARC aggregate report (RFC 7489) of ${hostname} for ${domain}, ${new Date(day * 86400_000).toISOString().slice(0, 10)}.`,
          attachmentType: 'application/gzip', extension: '.xml.gz', gz, keys, now, lifetimeMs: input.lifetimeMs,
        }), now);
        sent++;
        log.info({ domain, day: new Date(day * 86400_000).toISOString().slice(0, 10), to, records: rows.length }, 'DMARC aggregate report queued');
      }
    } catch (err) {
      if (err instanceof DnsTemporaryError) continue;
      throw err;
    }
    await store.dmarcResults.markSent(day, domain, now);
  }
  return sent;
}
