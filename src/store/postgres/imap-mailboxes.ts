// The PostgreSQL engine's imap-mailboxes area (the interface is ImapMailboxes in src/store/api.ts).
import type { ImapMailboxes } from '../api.ts';
import type { ImapMailbox, MailboxCounters } from '../imap-mailboxes.ts';
import type { PgContext } from './context.ts';
import { notBuilt } from './not-built.ts';

export class PgImapMailboxes implements ImapMailboxes {
  private readonly ctx: PgContext;

  constructor(ctx: PgContext) {
    this.ctx = ctx;
  }

  async list(accountId: number): Promise<ImapMailbox[]> {
    throw notBuilt('imap-mailboxes.list');
  }

  async byName(accountId: number, name: string): Promise<ImapMailbox | null> {
    throw notBuilt('imap-mailboxes.byName');
  }

  async byId(mailboxId: number): Promise<ImapMailbox | null> {
    throw notBuilt('imap-mailboxes.byId');
  }

  async counters(mailboxId: number): Promise<MailboxCounters> {
    throw notBuilt('imap-mailboxes.counters');
  }

  async create(accountId: number, name: string, specialUse?: string | null): Promise<ImapMailbox> {
    throw notBuilt('imap-mailboxes.create');
  }

  async delete(accountId: number, name: string): Promise<void> {
    throw notBuilt('imap-mailboxes.delete');
  }

  async rename(accountId: number, from: string, to: string): Promise<void> {
    throw notBuilt('imap-mailboxes.rename');
  }

  async subscriptions(accountId: number): Promise<string[]> {
    throw notBuilt('imap-mailboxes.subscriptions');
  }

  async setSubscribed(accountId: number, name: string, subscribed: boolean): Promise<boolean> {
    throw notBuilt('imap-mailboxes.setSubscribed');
  }

  async claimRecent(mailboxId: number, upTo: number): Promise<number> {
    throw notBuilt('imap-mailboxes.claimRecent');
  }

  async recentFloor(mailboxId: number): Promise<number> {
    throw notBuilt('imap-mailboxes.recentFloor');
  }

  async quota(accountId: number): Promise<{ limit: number; used: number; }> {
    throw notBuilt('imap-mailboxes.quota');
  }
}
