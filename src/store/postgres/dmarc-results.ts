// The PostgreSQL engine's dmarc-results area (the interface is DmarcResults in src/store/api.ts),
// ported statement by statement from src/store/sqlite/dmarc-results.ts. Always true: counts only
// grow within a day (an upsert adds, so several nodes counting the same day add up); a (day,
// domain) is marked sent once, in the same transaction that deletes its rows.
import type { DmarcResults } from '../api.ts';
import type { DmarcResultRow } from '../dmarc-results.ts';
import type { PgContext } from './context.ts';

const KEY = ['day', 'domain', 'sourceIp', 'headerFrom', 'disposition', 'dkimAligned', 'spfAligned', 'dkim', 'spfDomain', 'spfResult'] as const;

export class PgDmarcResults implements DmarcResults {
  private readonly ctx: PgContext;

  constructor(ctx: PgContext) {
    this.ctx = ctx;
  }

  add(rows: DmarcResultRow[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    // One key may appear twice in a batch; summing first keeps ON CONFLICT from touching a row twice.
    const merged = new Map<string, DmarcResultRow>();
    for (const r of rows) {
      const key = JSON.stringify(KEY.map((k) => r[k]));
      const seen = merged.get(key);
      merged.set(key, seen ? { ...r, count: seen.count + r.count } : r);
    }
    const values = [...merged.values()].map((r) => ({
      day: r.day, domain: r.domain, source_ip: r.sourceIp, header_from: r.headerFrom, disposition: r.disposition, dkim_aligned: r.dkimAligned,
      spf_aligned: r.spfAligned, dkim: r.dkim, spf_domain: r.spfDomain, spf_result: r.spfResult, count: r.count,
    }));
    return this.ctx.write(async (tx) => {
      await tx`INSERT INTO dmarc_results ${tx(values)}
        ON CONFLICT (day, domain, source_ip, header_from, disposition, dkim_aligned, spf_aligned, dkim, spf_domain, spf_result) DO UPDATE SET count = dmarc_results.count + excluded.count`;
    });
  }

  async due(beforeDay: number): Promise<{ day: number; domain: string }[]> {
    return [...await this.ctx.sql<{ day: number; domain: string }[]>`SELECT r.day, r.domain FROM dmarc_results r
      WHERE r.day < ${beforeDay} AND NOT EXISTS (SELECT 1 FROM dmarc_reports_sent s WHERE s.day = r.day AND s.domain = r.domain)
      GROUP BY r.day, r.domain ORDER BY r.day, r.domain COLLATE "C"`];
  }

  async results(day: number, domain: string): Promise<DmarcResultRow[]> {
    return [...await this.ctx.sql<DmarcResultRow[]>`SELECT day, domain, source_ip AS "sourceIp", header_from AS "headerFrom", disposition,
      dkim_aligned AS "dkimAligned", spf_aligned AS "spfAligned", dkim, spf_domain AS "spfDomain", spf_result AS "spfResult", count
      FROM dmarc_results WHERE day = ${day} AND domain = ${domain}
      ORDER BY source_ip COLLATE "C", header_from COLLATE "C", disposition COLLATE "C", dkim_aligned COLLATE "C", spf_aligned COLLATE "C",
        dkim COLLATE "C", spf_domain COLLATE "C", spf_result COLLATE "C"`];
  }

  markSent(day: number, domain: string, now: number): Promise<void> {
    return this.ctx.write(async (tx) => {
      await tx`INSERT INTO dmarc_reports_sent (day, domain, sent_at) VALUES (${day}, ${domain}, ${now}) ON CONFLICT DO NOTHING`;
      await tx`DELETE FROM dmarc_results WHERE day = ${day} AND domain = ${domain}`;
    });
  }
}
