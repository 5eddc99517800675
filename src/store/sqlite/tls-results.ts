// The SQL of our outbound TLS results (one row per day, domain, MX, address and result, with a
// count) and of which daily TLS-RPT reports went out. Always true: counts only grow within a day;
// a (day, domain) is marked sent once, in the same transaction that deletes its rows.
import { stmt } from './statements.ts';
import type { Db } from './open.ts';
import type { WriteContext } from './group-commit.ts';
import type { TlsResults } from '../api.ts';
import type { TlsResultRow } from '../tls-results.ts';

export class TlsResultStore implements TlsResults {
  private readonly db: Db;
  private readonly write: <T>(work: (tx: WriteContext) => T) => Promise<T>;

  constructor(db: Db, write: <T>(work: (tx: WriteContext) => T) => Promise<T>) {
    this.db = db;
    this.write = write;
  }

  add(rows: TlsResultRow[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    return this.write(() => {
      const up = stmt(this.db, `INSERT INTO tls_results (day, domain, policy_type, policy, mx_host, receiving_ip, result_type, count) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (day, domain, policy_type, mx_host, receiving_ip, result_type) DO UPDATE SET count = count + excluded.count, policy = excluded.policy`);
      for (const r of rows) up.run(r.day, r.domain, r.policyType, r.policy, r.mxHost, r.receivingIp, r.resultType, r.count);
    });
  }

  /** (day, domain) pairs before `beforeDay` with results and no report sent yet. */
  async due(beforeDay: number): Promise<{ day: number; domain: string }[]> {
    return this.db.prepare(`SELECT DISTINCT r.day, r.domain FROM tls_results r
      WHERE r.day < ? AND NOT EXISTS (SELECT 1 FROM tls_reports_sent s WHERE s.day = r.day AND s.domain = r.domain) ORDER BY r.day, r.domain`).all(beforeDay) as { day: number; domain: string }[];
  }

  async results(day: number, domain: string): Promise<TlsResultRow[]> {
    return this.db.prepare(`SELECT day, domain, policy_type AS policyType, policy, mx_host AS mxHost, receiving_ip AS receivingIp, result_type AS resultType, count
      FROM tls_results WHERE day = ? AND domain = ? ORDER BY policy_type, mx_host, result_type`).all(day, domain) as TlsResultRow[];
  }

  markSent(day: number, domain: string, now: number): Promise<void> {
    return this.write(() => {
      this.db.prepare('INSERT OR IGNORE INTO tls_reports_sent (day, domain, sent_at) VALUES (?, ?, ?)').run(day, domain, now);
      this.db.prepare('DELETE FROM tls_results WHERE day = ? AND domain = ?').run(day, domain);
    });
  }
}
