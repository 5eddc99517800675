// Receiving reports: a message delivered to postmaster@ one of our domains (the rua address that
// `dns records` publishes for DMARC and TLS-RPT) is searched for reports, which are stored for
// `postern reports`. Always true: this runs after the message was committed to the mailbox and
// never throws, so a broken or hostile report can cost its own parse (bounded) but never the
// message; each report is counted as stored, duplicate or invalid.
import type { Store } from '../store/api.ts';
import type { Logger } from '../log.ts';
import type { Counter } from '../metrics/registry.ts';
import { findReports } from './recognise.ts';

/** RFC 7489 §7.2.1 and RFC 8460 §3 rua=mailto: addresses as `postern dns records` writes them. */
export function isReportAddress(address: string): boolean {
  return address.slice(0, address.lastIndexOf('@')).toLowerCase() === 'postmaster';
}

export async function ingestReports(store: Store, raw: Buffer, now: number, log: Logger, counter?: Counter): Promise<void> {
  try {
    for (const found of findReports(raw)) {
      if (found.kind === 'error') {
        counter?.inc({ kind: 'unknown', result: 'invalid' });
        log.warn({ error: found.error }, 'a report attachment could not be read');
        continue;
      }
      const stored = found.kind === 'dmarc' ? await store.reports.addDmarc(found.report, now) : await store.reports.addTls(found.report, now);
      counter?.inc({ kind: found.kind, result: stored ? 'stored' : 'duplicate' });
      log.info({ kind: found.kind, reporter: found.report.orgName, reportId: found.report.reportId, stored }, 'report received');
    }
  } catch (err) {
    log.error({ err }, 'reading reports from a delivered message failed');
  }
}
