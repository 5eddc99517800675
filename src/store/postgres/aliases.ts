// The PostgreSQL engine's aliases area (the interface is Aliases in src/store/api.ts).
import type { Aliases } from '../api.ts';
import type { AliasRow } from '../aliases.ts';
import type { PgContext } from './context.ts';
import { notBuilt } from './not-built.ts';

export class PgAliases implements Aliases {
  private readonly ctx: PgContext;

  constructor(ctx: PgContext) {
    this.ctx = ctx;
  }

  async add(domainId: number, source: string, targets: string[]): Promise<void> {
    throw notBuilt('aliases.add');
  }

  async list(): Promise<AliasRow[]> {
    throw notBuilt('aliases.list');
  }

  async targets(source: string): Promise<string[]> {
    throw notBuilt('aliases.targets');
  }

  async remove(source: string, targets?: string[]): Promise<number> {
    throw notBuilt('aliases.remove');
  }
}
