// The PostgreSQL engine's pop3 area (the interface is Pop3 in src/store/api.ts).
import type { Pop3 } from '../api.ts';
import type { Pop3Snapshot } from '../pop3.ts';
import type { PgContext } from './context.ts';
import { notBuilt } from './not-built.ts';

export class PgPop3 implements Pop3 {
  private readonly ctx: PgContext;

  constructor(ctx: PgContext) {
    this.ctx = ctx;
  }

  async snapshot(accountId: number): Promise<Pop3Snapshot | null> {
    throw notBuilt('pop3.snapshot');
  }

  async recordOctets(sizes: { contentId: number; octets: number; }[]): Promise<void> {
    throw notBuilt('pop3.recordOctets');
  }

  pieces(contentId: number): AsyncIterable<Buffer> {
    throw notBuilt('pop3.pieces');
  }

  async expunge(accountId: number, mailboxId: number, uids: number[]): Promise<number[]> {
    throw notBuilt('pop3.expunge');
  }
}
