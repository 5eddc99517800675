// The PostgreSQL engine's tls-results area (the interface is TlsResults in src/store/api.ts).
import type { TlsResults } from '../api.ts';
import type { TlsResultRow } from '../tls-results.ts';
import type { PgContext } from './context.ts';
import { notBuilt } from './not-built.ts';

export class PgTlsResults implements TlsResults {
  private readonly ctx: PgContext;

  constructor(ctx: PgContext) {
    this.ctx = ctx;
  }

  async add(rows: TlsResultRow[]): Promise<void> {
    throw notBuilt('tls-results.add');
  }

  async due(beforeDay: number): Promise<{ day: number; domain: string; }[]> {
    throw notBuilt('tls-results.due');
  }

  async results(day: number, domain: string): Promise<TlsResultRow[]> {
    throw notBuilt('tls-results.results');
  }

  async markSent(day: number, domain: string, now: number): Promise<void> {
    throw notBuilt('tls-results.markSent');
  }
}
