// The PostgreSQL engine's mailboxes area (the interface is Mailboxes in src/store/api.ts).
import type { Mailboxes } from '../api.ts';
import type { MailboxRow } from '../mailboxes.ts';
import type { PgContext } from './context.ts';
import { notBuilt } from './not-built.ts';

export class PgMailboxes implements Mailboxes {
  private readonly ctx: PgContext;

  constructor(ctx: PgContext) {
    this.ctx = ctx;
  }

  async list(accountId: number): Promise<MailboxRow[]> {
    throw notBuilt('mailboxes.list');
  }

  async find(accountId: number, name: string): Promise<MailboxRow | null> {
    throw notBuilt('mailboxes.find');
  }
}
