// What we keep of each received message's DMARC evaluation for the aggregate reports we send
// ([inbound] dmarc_reports, RFC 7489 §7.2). Always true: only a message whose DMARC record was
// evaluated to pass or fail is counted, under the disposition we applied (reject, quarantine as
// Junk, else none); every field is cut to a DNS name's length and at most
// DMARC_RESULT_MAX_SIGNATURES DKIM results are kept; recording never throws (reports are
// statistics, not mail).
import type { Store } from '../store/api.ts';
import type { Logger } from '../log.ts';
import type { DmarcEvaluation } from '../email-auth/verify.ts';
import type { DmarcResultRow } from '../store/dmarc-results.ts';
import { DMARC_RESULT_MAX_SIGNATURES } from '../limits.ts';
import { utcDay } from '../queue/tls-results.ts';

const cut = (v: string) => v.replace(/[\x00-\x1f\x7f]/g, ' ').slice(0, 255);

export function dmarcResultRow(now: number, sourceIp: string, e: DmarcEvaluation, applied: 'accept' | 'junk' | 'reject'): DmarcResultRow {
  return {
    day: utcDay(now), domain: cut(e.policyDomain), sourceIp: cut(sourceIp), headerFrom: cut(e.headerFrom),
    disposition: applied === 'reject' ? 'reject' : applied === 'junk' ? 'quarantine' : 'none',
    dkimAligned: e.dkimAligned ? 'pass' : 'fail', spfAligned: e.spfAligned ? 'pass' : 'fail',
    dkim: JSON.stringify(e.dkim.slice(0, DMARC_RESULT_MAX_SIGNATURES).map((d) => ({ domain: cut(d.domain), selector: cut(d.selector), result: d.result }))),
    spfDomain: cut(e.spf.domain), spfResult: e.spf.result, count: 1,
  };
}

export async function recordDmarcResult(store: Store, log: Logger, now: number, sourceIp: string, e: DmarcEvaluation, applied: 'accept' | 'junk' | 'reject'): Promise<void> {
  try {
    await store.dmarcResults.add([dmarcResultRow(now, sourceIp, e, applied)]);
  } catch (err) {
    log.warn({ err, domain: e.policyDomain }, 'a DMARC result could not be recorded for the aggregate report');
  }
}
