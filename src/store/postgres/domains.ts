// The PostgreSQL engine's domains area (the interface is Domains in src/store/api.ts).
import type { Domains } from '../api.ts';
import type { DomainRow, DkimKey } from '../domains.ts';
import type { PgContext } from './context.ts';
import { notBuilt } from './not-built.ts';

export class PgDomains implements Domains {
  private readonly ctx: PgContext;

  constructor(ctx: PgContext) {
    this.ctx = ctx;
  }

  async add(name: string, keys: DkimKey[]): Promise<DomainRow> {
    throw notBuilt('domains.add');
  }

  async list(): Promise<DomainRow[]> {
    throw notBuilt('domains.list');
  }

  async find(name: string): Promise<DomainRow | null> {
    throw notBuilt('domains.find');
  }

  async remove(id: number, force: boolean): Promise<void> {
    throw notBuilt('domains.remove');
  }

  async dkimKeys(domain: string): Promise<DkimKey[]> {
    throw notBuilt('domains.dkimKeys');
  }

  async isLocal(domain: string): Promise<boolean> {
    throw notBuilt('domains.isLocal');
  }
}
