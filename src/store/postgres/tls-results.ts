// The PostgreSQL engine's tls-results area (the interface is TlsResults in src/store/api.ts),
// ported statement by statement from src/store/sqlite/tls-results.ts: one row per day, domain, MX,
// address and result, with a count. Always true: counts only grow within a day (an upsert adds,
// so several nodes counting the same day add up); a (day, domain) is marked sent once, in the
// same transaction that deletes its rows.
import type { TlsResults } from '../api.ts';
import type { TlsResultRow } from '../tls-results.ts';
import type { PgContext } from './context.ts';

export class PgTlsResults implements TlsResults {
  private readonly ctx: PgContext;

  constructor(ctx: PgContext) {
    this.ctx = ctx;
  }

  add(rows: TlsResultRow[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    // One key may appear twice in a batch; summing first keeps ON CONFLICT from touching a row twice.
    const merged = new Map<string, TlsResultRow>();
    for (const r of rows) {
      const key = JSON.stringify([r.day, r.domain, r.policyType, r.mxHost, r.receivingIp, r.resultType]);
      const seen = merged.get(key);
      merged.set(key, seen ? { ...r, count: seen.count + r.count } : r);
    }
    const values = [...merged.values()].map((r) => ({
      day: r.day, domain: r.domain, policy_type: r.policyType, policy: r.policy, mx_host: r.mxHost, receiving_ip: r.receivingIp, result_type: r.resultType, count: r.count,
    }));
    return this.ctx.write(async (tx) => {
      await tx`INSERT INTO tls_results ${tx(values)}
        ON CONFLICT (day, domain, policy_type, mx_host, receiving_ip, result_type) DO UPDATE SET count = tls_results.count + excluded.count, policy = excluded.policy`;
    });
  }

  /** (day, domain) pairs before `beforeDay` with results and no report sent yet. */
  async due(beforeDay: number): Promise<{ day: number; domain: string }[]> {
    return [...await this.ctx.sql<{ day: number; domain: string }[]>`SELECT r.day, r.domain FROM tls_results r
      WHERE r.day < ${beforeDay} AND NOT EXISTS (SELECT 1 FROM tls_reports_sent s WHERE s.day = r.day AND s.domain = r.domain)
      GROUP BY r.day, r.domain ORDER BY r.day, r.domain COLLATE "C"`];
  }

  async results(day: number, domain: string): Promise<TlsResultRow[]> {
    return [...await this.ctx.sql<TlsResultRow[]>`SELECT day, domain, policy_type AS "policyType", policy, mx_host AS "mxHost", receiving_ip AS "receivingIp", result_type AS "resultType", count
      FROM tls_results WHERE day = ${day} AND domain = ${domain} ORDER BY policy_type COLLATE "C", mx_host COLLATE "C", result_type COLLATE "C"`];
  }

  markSent(day: number, domain: string, now: number): Promise<void> {
    return this.ctx.write(async (tx) => {
      await tx`INSERT INTO tls_reports_sent (day, domain, sent_at) VALUES (${day}, ${domain}, ${now}) ON CONFLICT DO NOTHING`;
      await tx`DELETE FROM tls_results WHERE day = ${day} AND domain = ${domain}`;
    });
  }
}
