// The PostgreSQL engine's imap-search area (the interface is ImapSearch in src/store/api.ts).
import type { ImapSearch } from '../api.ts';
import type { SearchHit, SortHit, StoreSearchKey } from '../imap-search.ts';
import type { PgContext } from './context.ts';
import { notBuilt } from './not-built.ts';

export class PgImapSearch implements ImapSearch {
  private readonly ctx: PgContext;

  constructor(ctx: PgContext) {
    this.ctx = ctx;
  }

  async search(mailboxId: number, key: StoreSearchKey): Promise<SearchHit[]> {
    throw notBuilt('imap-search.search');
  }

  async searchForSort(mailboxId: number, key: StoreSearchKey): Promise<SortHit[]> {
    throw notBuilt('imap-search.searchForSort');
  }
}
