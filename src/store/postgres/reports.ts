// The PostgreSQL engine's reports area (the interface is Reports in src/store/api.ts).
import type { Reports } from '../api.ts';
import type { DmarcSummaryRow, TlsSummaryRow } from '../reports.ts';
import type { DmarcAggregate } from '../../reports/dmarc-aggregate.ts';
import type { TlsReport } from '../../reports/tls-rpt.ts';
import type { PgContext } from './context.ts';
import { notBuilt } from './not-built.ts';

export class PgReports implements Reports {
  private readonly ctx: PgContext;

  constructor(ctx: PgContext) {
    this.ctx = ctx;
  }

  async addDmarc(r: DmarcAggregate, now: number): Promise<boolean> {
    throw notBuilt('reports.addDmarc');
  }

  async addTls(r: TlsReport, now: number): Promise<boolean> {
    throw notBuilt('reports.addTls');
  }

  async dmarcSummary(since: number, domain?: string): Promise<DmarcSummaryRow[]> {
    throw notBuilt('reports.dmarcSummary');
  }

  async tlsSummary(since: number, domain?: string): Promise<TlsSummaryRow[]> {
    throw notBuilt('reports.tlsSummary');
  }
}
