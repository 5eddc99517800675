// Sending TLS-RPT (RFC 8460): once a UTC day is over, each destination domain we connected to and
// that publishes `_smtp._tls` with a mailto: rua gets one report of our TLS results for that day:
// JSON (§4) gzipped as application/tlsrpt+gzip in a multipart/report (§5.3), DKIM-signed as one of
// our domains and queued like any outbound mail. Always true: a (day, domain) is reported at most
// once; a temporary DNS failure leaves it for the next run; https: rua endpoints are not used.
import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import type { Store } from '../store/api.ts';
import type { TlsResultRow } from '../store/tls-results.ts';
import type { Logger } from '../log.ts';
import { DnsTemporaryError, type Resolver } from '../dns/resolver.ts';
import { utcDay } from '../queue/tls-results.ts';
import { reportForQueue } from './report-message.ts';

export interface TlsReportSenderInput {
  store: Store;
  resolver: Resolver;
  hostname: string;
  log: Logger;
  now: number;
  /** How long the queued report is retried (the queue's lifetime). */
  lifetimeMs: number;
}

/** RFC 8460 §3: "v=TLSRPTv1; rua=mailto:a@b,https://…" → the mailto addresses. */
export function tlsRptMailto(records: string[]): string[] {
  const record = records.find((r) => /^v=TLSRPTv1\s*(;|$)/i.test(r.trim()));
  const rua = record && /(?:^|;)\s*rua=([^;]*)/i.exec(record)?.[1];
  if (!rua) return [];
  return rua.split(',').map((u) => u.trim()).filter((u) => /^mailto:/i.test(u))
    .map((u) => decodeURIComponent(u.slice(7).split('?')[0]!)).filter((a) => /^[^@\s]+@[^@\s]+$/.test(a));
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The RFC 8460 §4 JSON for one day of results to one domain. */
export function tlsReportJson(hostname: string, contact: string, reportId: string, day: number, rows: TlsResultRow[]): string {
  const groups = new Map<string, TlsResultRow[]>();
  for (const r of rows) groups.set(`${r.policyType}\0${r.policy}`, [...(groups.get(`${r.policyType}\0${r.policy}`) ?? []), r]);
  const policies = [...groups.values()].map((list) => {
    const first = list[0]!;
    const sts = first.policy ? JSON.parse(first.policy) as { mode: string; mx: string[]; max_age: number } : null;
    return {
      policy: {
        'policy-type': first.policyType,
        ...(sts ? { 'policy-string': ['version: STSv1', `mode: ${sts.mode}`, ...sts.mx.map((m) => `mx: ${m}`), `max_age: ${sts.max_age}`] } : {}),
        'policy-domain': first.domain,
        ...(sts ? { 'mx-host': sts.mx } : {}),
      },
      summary: {
        'total-successful-session-count': list.filter((r) => r.resultType === '').reduce((n, r) => n + r.count, 0),
        'total-failure-session-count': list.filter((r) => r.resultType !== '').reduce((n, r) => n + r.count, 0),
      },
      'failure-details': list.filter((r) => r.resultType !== '').map((r) => ({
        'result-type': r.resultType, 'receiving-mx-hostname': r.mxHost, 'receiving-ip': r.receivingIp, 'failed-session-count': r.count,
      })),
    };
  });
  return JSON.stringify({
    'organization-name': hostname,
    'date-range': { 'start-datetime': iso(day * 86400_000), 'end-datetime': iso((day + 1) * 86400_000 - 1000) },
    'contact-info': contact,
    'report-id': reportId,
    policies,
  });
}

export async function sendDueTlsReports(input: TlsReportSenderInput): Promise<number> {
  const { store, resolver, hostname, log, now } = input;
  const ours = await store.domains.list();
  if (ours.length === 0) return 0;
  const from = ours[0]!.name;
  const keys = await store.domains.dkimKeys(from);
  let sent = 0;
  for (const { day, domain } of await store.tlsResults.due(utcDay(now))) {
    let to: string[];
    try {
      to = tlsRptMailto(await resolver.txt(`_smtp._tls.${domain}`));
    } catch (err) {
      if (err instanceof DnsTemporaryError) continue;
      throw err;
    }
    if (to.length > 0) {
      const rows = await store.tlsResults.results(day, domain);
      const reportId = `${iso(day * 86400_000)}_${domain}_${randomBytes(4).toString('hex')}@${hostname}`;
      const json = tlsReportJson(hostname, `postmaster@${from}`, reportId, day, rows);
      // RFC 8460 §5.3: multipart/report of type tlsrpt, DKIM-signed (as our domain, like all our mail).
      await store.queue.accept(reportForQueue({
        hostname, from, fromName: 'TLS reporting', to, domain, day, reportId,
        headers: [`TLS-Report-Domain: ${domain}`, `TLS-Report-Submitter: ${hostname}`], multipart: 'multipart/report; report-type="tlsrpt"',
        text: `This is the SMTP TLS report (RFC 8460) of ${hostname} for ${domain}, ${iso(day * 86400_000).slice(0, 10)}.`,
        attachmentType: 'application/tlsrpt+gzip', extension: '.json.gz', gz: zlib.gzipSync(json), keys, now, lifetimeMs: input.lifetimeMs,
      }), now);
      sent++;
      log.info({ domain, day: iso(day * 86400_000).slice(0, 10), to }, 'TLS report queued');
    }
    await store.tlsResults.markSent(day, domain, now);
  }
  return sent;
}
