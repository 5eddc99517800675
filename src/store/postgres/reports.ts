// The PostgreSQL engine's reports area (the interface is Reports in src/store/api.ts), ported
// statement by statement from src/store/sqlite/reports.ts. Always true: a report (reporter, report id) is
// stored at most once — the UNIQUE (org_name, report_id) constraint decides, so two nodes receiving
// the same report race safely — with all its rows in the same transaction; summaries read only
// rows whose report period ended on or after `since`.
import type { Reports } from '../api.ts';
import { summarizeTls, type DmarcAggregate, type DmarcSummaryRow, type TlsPolicyRow, type TlsReport, type TlsSummaryRow } from '../reports.ts';
import type { PgContext } from './context.ts';

export class PgReports implements Reports {
  private readonly ctx: PgContext;

  constructor(ctx: PgContext) {
    this.ctx = ctx;
  }

  /** Stores a DMARC aggregate report; false when this reporter's report id was already stored. */
  addDmarc(r: DmarcAggregate, now: number): Promise<boolean> {
    return this.ctx.write(async (tx) => {
      const [report] = await tx<{ id: number }[]>`INSERT INTO dmarc_reports (org_name, email, report_id, domain, policy, begin_at, end_at, received_at)
        VALUES (${r.orgName}, ${r.email}, ${r.reportId}, ${r.domain}, ${r.policy}, ${r.begin * 1000}, ${r.end * 1000}, ${now})
        ON CONFLICT (org_name, report_id) DO NOTHING RETURNING id`;
      if (!report) return false;
      if (r.records.length > 0) {
        const rows = r.records.map((rec) => ({
          report_id: report.id, source_ip: rec.sourceIp, count: rec.count, disposition: rec.disposition,
          dkim_aligned: rec.dkimAligned, spf_aligned: rec.spfAligned, header_from: rec.headerFrom,
          dkim_pass: rec.dkim.some((d) => d.result === 'pass') ? 1 : 0, spf_pass: rec.spf.some((s) => s.result === 'pass') ? 1 : 0,
          auth_results: JSON.stringify({ dkim: rec.dkim, spf: rec.spf }),
        }));
        await tx`INSERT INTO dmarc_report_rows ${tx(rows)}`;
      }
      return true;
    });
  }

  /** Stores a TLS-RPT report; false when this reporter's report id was already stored. */
  addTls(r: TlsReport, now: number): Promise<boolean> {
    return this.ctx.write(async (tx) => {
      const [report] = await tx<{ id: number }[]>`INSERT INTO tls_reports (org_name, contact, report_id, begin_at, end_at, received_at)
        VALUES (${r.orgName}, ${r.contact}, ${r.reportId}, ${r.begin}, ${r.end}, ${now})
        ON CONFLICT (org_name, report_id) DO NOTHING RETURNING id`;
      if (!report) return false;
      if (r.policies.length > 0) {
        const rows = r.policies.map((p) => ({
          report_id: report.id, policy_type: p.policyType, policy_domain: p.policyDomain, success: p.success, failure: p.failure,
          failures: JSON.stringify(p.failures),
        }));
        await tx`INSERT INTO tls_report_policies ${tx(rows)}`;
      }
      return true;
    });
  }

  async dmarcSummary(since: number, domain?: string): Promise<DmarcSummaryRow[]> {
    const d = domain ?? null;
    return [...await this.ctx.sql<DmarcSummaryRow[]>`SELECT r.domain, r.org_name AS reporter, w.source_ip AS "sourceIp", count(DISTINCT r.id) AS reports, sum(w.count) AS messages,
        sum(w.count * w.spf_pass) AS "spfPass", sum(w.count * w.dkim_pass) AS "dkimPass",
        sum(CASE WHEN w.spf_aligned = 'pass' THEN w.count ELSE 0 END) AS "spfAligned",
        sum(CASE WHEN w.dkim_aligned = 'pass' THEN w.count ELSE 0 END) AS "dkimAligned",
        sum(CASE WHEN w.spf_aligned = 'pass' OR w.dkim_aligned = 'pass' THEN w.count ELSE 0 END) AS "dmarcPass"
      FROM dmarc_reports r JOIN dmarc_report_rows w ON w.report_id = r.id
      WHERE r.end_at >= ${since} AND (${d}::text IS NULL OR r.domain = ${d}::text)
      GROUP BY r.domain, r.org_name, w.source_ip ORDER BY r.domain COLLATE "C", messages DESC, r.org_name COLLATE "C", w.source_ip COLLATE "C"`];
  }

  async tlsSummary(since: number, domain?: string): Promise<TlsSummaryRow[]> {
    const d = domain ?? null;
    const rows = await this.ctx.sql<TlsPolicyRow[]>`
      SELECT p.policy_domain AS domain, r.org_name AS reporter, p.policy_type AS "policyType", r.id AS "reportId", p.success, p.failure, p.failures
      FROM tls_reports r JOIN tls_report_policies p ON p.report_id = r.id
      WHERE r.end_at >= ${since} AND (${d}::text IS NULL OR p.policy_domain = ${d}::text)
      ORDER BY p.policy_domain COLLATE "C", r.org_name COLLATE "C", r.id`;
    return summarizeTls(rows);
  }
}
