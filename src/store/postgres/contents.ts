// The PostgreSQL engine's contents area (the interface is Contents in src/store/api.ts).
import type { Contents } from '../api.ts';
import type { ContentInfo } from '../contents.ts';
import type { PgContext } from './context.ts';
import { notBuilt } from './not-built.ts';

export class PgContents implements Contents {
  private readonly ctx: PgContext;

  constructor(ctx: PgContext) {
    this.ctx = ctx;
  }

  async info(contentId: number): Promise<ContentInfo | null> {
    throw notBuilt('contents.info');
  }

  async range(contentId: number, start: number, end: number): Promise<Buffer> {
    throw notBuilt('contents.range');
  }

  async full(contentId: number): Promise<Buffer> {
    throw notBuilt('contents.full');
  }

  pieces(contentId: number): AsyncIterable<Buffer> {
    throw notBuilt('contents.pieces');
  }
}
