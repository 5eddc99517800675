// The PostgreSQL engine's imap-messages area (the interface is ImapMessages in src/store/api.ts).
import type { ImapMessages } from '../api.ts';
import type { CopyResult, FetchWants, FlagRow, MessageRow, StoreFlagsResult, UidRanges } from '../imap-messages.ts';
import type { PgContext } from './context.ts';
import { notBuilt } from './not-built.ts';

export class PgImapMessages implements ImapMessages {
  private readonly ctx: PgContext;

  constructor(ctx: PgContext) {
    this.ctx = ctx;
  }

  async uids(mailboxId: number): Promise<number[]> {
    throw notBuilt('imap-messages.uids');
  }

  async uidsAfter(mailboxId: number, after: number): Promise<number[]> {
    throw notBuilt('imap-messages.uidsAfter');
  }

  async firstUnseenUid(mailboxId: number): Promise<number | null> {
    throw notBuilt('imap-messages.firstUnseenUid');
  }

  async keywordsIn(mailboxId: number): Promise<string[]> {
    throw notBuilt('imap-messages.keywordsIn');
  }

  async changedSince(mailboxId: number, modseq: number): Promise<FlagRow[]> {
    throw notBuilt('imap-messages.changedSince');
  }

  async countAbove(mailboxId: number, uid: number): Promise<number> {
    throw notBuilt('imap-messages.countAbove');
  }

  async fetchPage(mailboxId: number, uidFrom: number, uidTo: number, limit: number, wants: FetchWants, changedSince?: number | null): Promise<MessageRow[]> {
    throw notBuilt('imap-messages.fetchPage');
  }

  async readRange(contentId: number, start: number, end: number): Promise<Buffer> {
    throw notBuilt('imap-messages.readRange');
  }

  async flagsIn(mailboxId: number, ranges: UidRanges): Promise<FlagRow[]> {
    throw notBuilt('imap-messages.flagsIn');
  }

  async storeFlags(accountId: number, mailboxId: number, ranges: UidRanges, mode: 'add' | 'remove' | 'replace', flags: readonly string[], unchangedSince: number | null): Promise<StoreFlagsResult> {
    throw notBuilt('imap-messages.storeFlags');
  }

  async markSeen(accountId: number, mailboxId: number, uids: readonly number[]): Promise<FlagRow[]> {
    throw notBuilt('imap-messages.markSeen');
  }

  async expunge(accountId: number, mailboxId: number, ranges: UidRanges | null): Promise<{ uids: number[]; modseq: number; }> {
    throw notBuilt('imap-messages.expunge');
  }

  async copy(accountId: number, fromId: number, ranges: UidRanges, toId: number): Promise<CopyResult> {
    throw notBuilt('imap-messages.copy');
  }

  async move(accountId: number, fromId: number, ranges: UidRanges, toId: number): Promise<CopyResult & { modseq: number; }> {
    throw notBuilt('imap-messages.move');
  }

  async vanishedSince(mailboxId: number, modseq: number, ranges: UidRanges | null): Promise<number[]> {
    throw notBuilt('imap-messages.vanishedSince');
  }
}
