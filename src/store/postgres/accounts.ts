// The PostgreSQL engine's accounts area (the interface is Accounts in src/store/api.ts).
import type { Accounts } from '../api.ts';
import type { AccountRow } from '../accounts.ts';
import type { PgContext } from './context.ts';
import { notBuilt } from './not-built.ts';

export class PgAccounts implements Accounts {
  private readonly ctx: PgContext;

  constructor(ctx: PgContext) {
    this.ctx = ctx;
  }

  async add(address: string, domainId: number, passwordHash: string): Promise<AccountRow> {
    throw notBuilt('accounts.add');
  }

  async byId(id: number): Promise<AccountRow | null> {
    throw notBuilt('accounts.byId');
  }

  async byAddress(address: string): Promise<AccountRow | null> {
    throw notBuilt('accounts.byAddress');
  }

  async list(domainId?: number): Promise<AccountRow[]> {
    throw notBuilt('accounts.list');
  }

  async setPassword(id: number, passwordHash: string): Promise<void> {
    throw notBuilt('accounts.setPassword');
  }

  async setQuota(id: number, quotaBytes: number): Promise<void> {
    throw notBuilt('accounts.setQuota');
  }

  async remove(id: number): Promise<void> {
    throw notBuilt('accounts.remove');
  }
}
