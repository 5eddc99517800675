// SMTP TLS reports (RFC 8460 §4): JSON telling how a sender's sessions to our MX went, per policy.
// Always true: the result only holds values of the schema's types (counts are non-negative safe
// integers, strings are cut to a length); a report without organization-name, date-range, report-id
// or policies is a ReportFormatError; at most REPORT_MAX_RECORDS failure details are kept.
import { REPORT_MAX_RECORDS } from '../limits.ts';
import { ReportFormatError } from './decompress.ts';
import type { TlsFailure, TlsPolicyResult, TlsReport } from '../store/reports.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const str = (v: Json | undefined, max = 255): string => (typeof v === 'string' ? v.replace(/[\x00-\x1f\x7f]/g, ' ').slice(0, max) : '');
const obj = (v: Json | undefined): Record<string, Json> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {});
const arr = (v: Json | undefined): Json[] => (Array.isArray(v) ? v : []);

function count(v: Json | undefined, what: string): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new ReportFormatError(`${what} is not a count`);
  return v;
}

function time(v: Json | undefined, what: string): number {
  const t = typeof v === 'string' ? Date.parse(v) : NaN;
  if (!Number.isFinite(t)) throw new ReportFormatError(`${what} is not an RFC 3339 date-time`);
  return t;
}

export function parseTlsReport(text: string): TlsReport {
  let doc: Json;
  try {
    doc = JSON.parse(text) as Json;
  } catch (err) {
    throw new ReportFormatError(`not JSON: ${(err as Error).message}`);
  }
  const top = obj(doc);
  const range = obj(top['date-range']);
  if (!str(top['organization-name']) || !str(top['report-id']) || !Array.isArray(top.policies)) {
    throw new ReportFormatError('organization-name, report-id or policies is missing');
  }
  let details = 0;
  const policies = arr(top.policies).map((p): TlsPolicyResult => {
    const policy = obj(obj(p).policy);
    const summary = obj(obj(p).summary);
    const failures = arr(obj(p)['failure-details']).map((f): TlsFailure => {
      const d = obj(f);
      if (++details > REPORT_MAX_RECORDS) throw new ReportFormatError(`more than ${REPORT_MAX_RECORDS} failure details`);
      return {
        resultType: str(d['result-type'], 64) || 'unknown', sendingMtaIp: str(d['sending-mta-ip'], 64), receivingMx: str(d['receiving-mx-hostname']),
        receivingIp: str(d['receiving-ip'], 64), count: count(d['failed-session-count'], 'failed-session-count'), reason: str(d['failure-reason-code']) || str(d['additional-information']),
      };
    });
    return {
      policyType: str(policy['policy-type'], 32) || 'unknown', policyDomain: str(policy['policy-domain']).toLowerCase(),
      mxHosts: arr(policy['mx-host']).map((m) => str(m)).filter(Boolean),
      success: count(summary['total-successful-session-count'], 'total-successful-session-count'),
      failure: count(summary['total-failure-session-count'], 'total-failure-session-count'),
      failures,
    };
  });
  return {
    orgName: str(top['organization-name']), contact: str(top['contact-info']), reportId: str(top['report-id']),
    begin: time(range['start-datetime'], 'start-datetime'), end: time(range['end-datetime'], 'end-datetime'), policies,
  };
}
