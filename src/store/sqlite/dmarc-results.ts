// The SQL of the DMARC results of received mail (one row per day, policy domain and distinct
// evaluation, with a count) and of which daily aggregate reports went out. Always true: counts
// only grow within a day; a (day, domain) is marked sent once, in the same transaction that
// deletes its rows.
import { stmt } from './statements.ts';
import type { Db } from './open.ts';
import type { WriteContext } from './group-commit.ts';
import type { DmarcResults } from '../api.ts';
import type { DmarcResultRow } from '../dmarc-results.ts';

const COLUMNS = `day, domain, source_ip AS sourceIp, header_from AS headerFrom, disposition, dkim_aligned AS dkimAligned,
  spf_aligned AS spfAligned, dkim, spf_domain AS spfDomain, spf_result AS spfResult, count`;

export class DmarcResultStore implements DmarcResults {
  private readonly db: Db;
  private readonly write: <T>(work: (tx: WriteContext) => T) => Promise<T>;

  constructor(db: Db, write: <T>(work: (tx: WriteContext) => T) => Promise<T>) {
    this.db = db;
    this.write = write;
  }

  add(rows: DmarcResultRow[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    return this.write(() => {
      const up = stmt(this.db, `INSERT INTO dmarc_results (day, domain, source_ip, header_from, disposition, dkim_aligned, spf_aligned, dkim, spf_domain, spf_result, count)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (day, domain, source_ip, header_from, disposition, dkim_aligned, spf_aligned, dkim, spf_domain, spf_result) DO UPDATE SET count = count + excluded.count`);
      for (const r of rows) up.run(r.day, r.domain, r.sourceIp, r.headerFrom, r.disposition, r.dkimAligned, r.spfAligned, r.dkim, r.spfDomain, r.spfResult, r.count);
    });
  }

  async due(beforeDay: number): Promise<{ day: number; domain: string }[]> {
    return this.db.prepare(`SELECT DISTINCT r.day, r.domain FROM dmarc_results r
      WHERE r.day < ? AND NOT EXISTS (SELECT 1 FROM dmarc_reports_sent s WHERE s.day = r.day AND s.domain = r.domain) ORDER BY r.day, r.domain`).all(beforeDay) as { day: number; domain: string }[];
  }

  async results(day: number, domain: string): Promise<DmarcResultRow[]> {
    return this.db.prepare(`SELECT ${COLUMNS} FROM dmarc_results WHERE day = ? AND domain = ?
      ORDER BY source_ip, header_from, disposition, dkim_aligned, spf_aligned, dkim, spf_domain, spf_result`).all(day, domain) as DmarcResultRow[];
  }

  markSent(day: number, domain: string, now: number): Promise<void> {
    return this.write(() => {
      this.db.prepare('INSERT OR IGNORE INTO dmarc_reports_sent (day, domain, sent_at) VALUES (?, ?, ?)').run(day, domain, now);
      this.db.prepare('DELETE FROM dmarc_results WHERE day = ? AND domain = ?').run(day, domain);
    });
  }
}
