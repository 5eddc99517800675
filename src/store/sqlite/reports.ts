// The SQL of received reports: DMARC aggregate and TLS-RPT reports as parsed by src/reports, and
// the summaries `postern reports` prints. Always true: a report (reporter, report id) is stored at
// most once, with all its rows in the same transaction; summaries read only rows whose report
// period ended on or after `since`.
import type { Db } from './open.ts';
import type { WriteContext } from './group-commit.ts';
import type { Reports } from '../api.ts';
import { summarizeTls, type DmarcAggregate, type DmarcSummaryRow, type TlsPolicyRow, type TlsReport, type TlsSummaryRow } from '../reports.ts';

export class ReportStore implements Reports {
  private readonly db: Db;
  private readonly write: <T>(work: (tx: WriteContext) => T) => Promise<T>;

  constructor(db: Db, write: <T>(work: (tx: WriteContext) => T) => Promise<T>) {
    this.db = db;
    this.write = write;
  }

  /** Stores a DMARC aggregate report; false when this reporter's report id was already stored. */
  addDmarc(r: DmarcAggregate, now: number): Promise<boolean> {
    return this.write(() => {
      const info = this.db.prepare(`INSERT OR IGNORE INTO dmarc_reports (org_name, email, report_id, domain, policy, begin_at, end_at, received_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(r.orgName, r.email, r.reportId, r.domain, r.policy, r.begin * 1000, r.end * 1000, now);
      if (info.changes === 0) return false;
      const id = Number(info.lastInsertRowid);
      const row = this.db.prepare(`INSERT INTO dmarc_report_rows (report_id, source_ip, count, disposition, dkim_aligned, spf_aligned, header_from, dkim_pass, spf_pass, auth_results)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
      for (const rec of r.records) {
        row.run(id, rec.sourceIp, rec.count, rec.disposition, rec.dkimAligned, rec.spfAligned, rec.headerFrom,
          rec.dkim.some((d) => d.result === 'pass') ? 1 : 0, rec.spf.some((s) => s.result === 'pass') ? 1 : 0, JSON.stringify({ dkim: rec.dkim, spf: rec.spf }));
      }
      return true;
    });
  }

  /** Stores a TLS-RPT report; false when this reporter's report id was already stored. */
  addTls(r: TlsReport, now: number): Promise<boolean> {
    return this.write(() => {
      const info = this.db.prepare(`INSERT OR IGNORE INTO tls_reports (org_name, contact, report_id, begin_at, end_at, received_at) VALUES (?, ?, ?, ?, ?, ?)`)
        .run(r.orgName, r.contact, r.reportId, r.begin, r.end, now);
      if (info.changes === 0) return false;
      const id = Number(info.lastInsertRowid);
      const row = this.db.prepare('INSERT INTO tls_report_policies (report_id, policy_type, policy_domain, success, failure, failures) VALUES (?, ?, ?, ?, ?, ?)');
      for (const p of r.policies) row.run(id, p.policyType, p.policyDomain, p.success, p.failure, JSON.stringify(p.failures));
      return true;
    });
  }

  async dmarcSummary(since: number, domain?: string): Promise<DmarcSummaryRow[]> {
    return this.db.prepare(`SELECT r.domain, r.org_name AS reporter, w.source_ip AS sourceIp, count(DISTINCT r.id) AS reports, sum(w.count) AS messages,
        sum(w.count * w.spf_pass) AS spfPass, sum(w.count * w.dkim_pass) AS dkimPass,
        sum(CASE WHEN w.spf_aligned = 'pass' THEN w.count ELSE 0 END) AS spfAligned,
        sum(CASE WHEN w.dkim_aligned = 'pass' THEN w.count ELSE 0 END) AS dkimAligned,
        sum(CASE WHEN w.spf_aligned = 'pass' OR w.dkim_aligned = 'pass' THEN w.count ELSE 0 END) AS dmarcPass
      FROM dmarc_reports r JOIN dmarc_report_rows w ON w.report_id = r.id
      WHERE r.end_at >= ? AND (? IS NULL OR r.domain = ?)
      GROUP BY r.domain, r.org_name, w.source_ip ORDER BY r.domain, messages DESC, r.org_name, w.source_ip`).all(since, domain ?? null, domain ?? null) as DmarcSummaryRow[];
  }

  async tlsSummary(since: number, domain?: string): Promise<TlsSummaryRow[]> {
    const rows = this.db.prepare(`SELECT p.policy_domain AS domain, r.org_name AS reporter, p.policy_type AS policyType, r.id AS reportId, p.success, p.failure, p.failures
      FROM tls_reports r JOIN tls_report_policies p ON p.report_id = r.id
      WHERE r.end_at >= ? AND (? IS NULL OR p.policy_domain = ?) ORDER BY p.policy_domain, r.org_name`).all(since, domain ?? null, domain ?? null) as TlsPolicyRow[];
    return summarizeTls(rows);
  }
}
