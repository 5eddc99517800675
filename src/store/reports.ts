// Reports the store keeps (the store defines what it stores; src/reports/ parses into these):
// DMARC aggregate (RFC 7489 appendix C) and TLS-RPT (RFC 8460 §4) reports, and the summaries read
// back. Always true: a reporter's report id is stored once.

export interface DmarcRecord {
  sourceIp: string;
  count: number;
  disposition: string;
  /** policy_evaluated: the aligned results DMARC used. */
  dkimAligned: string;
  spfAligned: string;
  headerFrom: string;
  /** auth_results: the raw results, before alignment. */
  dkim: { domain: string; selector: string; result: string }[];
  spf: { domain: string; result: string }[];
}

export interface DmarcAggregate {
  orgName: string;
  email: string;
  reportId: string;
  /** Seconds since the epoch (the schema's date_range). */
  begin: number;
  end: number;
  domain: string;
  policy: string;
  records: DmarcRecord[];
}

export interface TlsFailure { resultType: string; sendingMtaIp: string; receivingMx: string; receivingIp: string; count: number; reason: string }

export interface TlsPolicyResult {
  policyType: string;
  policyDomain: string;
  mxHosts: string[];
  success: number;
  failure: number;
  failures: TlsFailure[];
}

export interface TlsReport {
  orgName: string;
  contact: string;
  reportId: string;
  /** ms since the epoch. */
  begin: number;
  end: number;
  policies: TlsPolicyResult[];
}

export interface DmarcSummaryRow {
  domain: string; reporter: string; sourceIp: string; reports: number; messages: number;
  spfPass: number; dkimPass: number; spfAligned: number; dkimAligned: number; dmarcPass: number;
}

export interface TlsSummaryRow {
  domain: string; reporter: string; policyType: string; reports: number; success: number; failure: number;
  /** Failed sessions by result type (RFC 8460 §4.3), most first. */
  failureTypes: { resultType: string; count: number }[];
}

/** A TLS-RPT policy row joined with its report, as both engines read them for tlsSummary. */
export interface TlsPolicyRow { domain: string; reporter: string; policyType: string; reportId: number; success: number; failure: number; failures: string }

/**
 * The TLS-RPT summary from its rows: one entry per (policy domain, reporter, policy type) in the
 * order the rows first name it, each report counted once, the failure details summed by result
 * type, most first.
 */
export function summarizeTls(rows: readonly TlsPolicyRow[]): TlsSummaryRow[] {
  const out = new Map<string, TlsSummaryRow & { ids: Set<number>; types: Map<string, number> }>();
  for (const r of rows) {
    const key = `${r.domain}\0${r.reporter}\0${r.policyType}`;
    let s = out.get(key);
    if (!s) out.set(key, (s = { domain: r.domain, reporter: r.reporter, policyType: r.policyType, reports: 0, success: 0, failure: 0, failureTypes: [], ids: new Set(), types: new Map() }));
    s.ids.add(r.reportId);
    s.success += r.success;
    s.failure += r.failure;
    for (const f of JSON.parse(r.failures) as { resultType: string; count: number }[]) s.types.set(f.resultType, (s.types.get(f.resultType) ?? 0) + f.count);
  }
  return [...out.values()].map(({ ids, types, ...s }) => ({
    ...s, reports: ids.size, failureTypes: [...types].map(([resultType, count]) => ({ resultType, count })).sort((a, b) => b.count - a.count),
  }));
}
