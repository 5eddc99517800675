// The PostgreSQL engine's reindex area (the interface is Reindex in src/store/api.ts).
import type { Reindex } from '../api.ts';
import type { ContentIndex } from '../contents.ts';
import type { PgContext } from './context.ts';
import { notBuilt } from './not-built.ts';

export class PgReindex implements Reindex {
  private readonly ctx: PgContext;

  constructor(ctx: PgContext) {
    this.ctx = ctx;
  }

  async count(): Promise<number> {
    throw notBuilt('reindex.count');
  }

  async ids(afterId: number, limit: number): Promise<number[]> {
    throw notBuilt('reindex.ids');
  }

  async ftsFloor(): Promise<number> {
    throw notBuilt('reindex.ftsFloor');
  }

  async indexText(ids: readonly number[], floor: number): Promise<void> {
    throw notBuilt('reindex.indexText');
  }

  async ftsComplete(): Promise<void> {
    throw notBuilt('reindex.ftsComplete');
  }

  async update(rows: { id: number; index: ContentIndex; }[]): Promise<void> {
    throw notBuilt('reindex.update');
  }
}
