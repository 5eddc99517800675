// The PostgreSQL engine's sieve area (the interface is Sieve in src/store/api.ts).
import type { Sieve } from '../api.ts';
import type { SieveScriptRow } from '../sieve.ts';
import type { PgContext } from './context.ts';
import { notBuilt } from './not-built.ts';

export class PgSieve implements Sieve {
  private readonly ctx: PgContext;

  constructor(ctx: PgContext) {
    this.ctx = ctx;
  }

  async list(accountId: number): Promise<SieveScriptRow[]> {
    throw notBuilt('sieve.list');
  }

  async get(accountId: number, name: string): Promise<string | null> {
    throw notBuilt('sieve.get');
  }

  async active(accountId: number): Promise<{ name: string; script: string; } | null> {
    throw notBuilt('sieve.active');
  }

  async usage(accountId: number, except?: string): Promise<{ scripts: number; bytes: number; }> {
    throw notBuilt('sieve.usage');
  }

  async put(accountId: number, name: string, script: string): Promise<void> {
    throw notBuilt('sieve.put');
  }

  async setActive(accountId: number, name: string | null): Promise<void> {
    throw notBuilt('sieve.setActive');
  }

  async delete(accountId: number, name: string): Promise<void> {
    throw notBuilt('sieve.delete');
  }

  async rename(accountId: number, from: string, to: string): Promise<void> {
    throw notBuilt('sieve.rename');
  }

  async vacationRecent(accountId: number, sender: string, handle: string, now: number): Promise<boolean> {
    throw notBuilt('sieve.vacationRecent');
  }

  async claimVacation(accountId: number, sender: string, handle: string, now: number, seconds: number): Promise<boolean> {
    throw notBuilt('sieve.claimVacation');
  }

  async duplicateSeen(accountId: number, key: string, now: number): Promise<boolean> {
    throw notBuilt('sieve.duplicateSeen');
  }

  async recordDuplicates(accountId: number, records: { key: string; seconds: number; refresh: boolean; }[], now: number): Promise<void> {
    throw notBuilt('sieve.recordDuplicates');
  }
}
