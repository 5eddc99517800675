// The PostgreSQL engine's reindex area (the interface is Reindex in src/store/api.ts), ported from
// src/store/sqlite/reindex.ts: recomputing what delivery derived from stored messages after src/mime
// changed. Raw bytes are never touched; rows are read in id order and updated a page per
// transaction.
//
// The full-text floor does not exist here. On SQLite, SEARCH narrows by an FTS5 table that content
// rows stored before migration 0050 were not in; ftsFloor said where that gap ended and reindex
// filled it (indexText, then ftsComplete). On PostgreSQL the trigram GIN indexes on
// contents.search_text and header_text are ordinary indexes of the contents table: PostgreSQL
// maintains them for every row in the same transaction that writes it, from the very first row.
// So the floor is always 0, indexText has nothing to add and ftsComplete nothing to record: the
// reindex command reads floor 0 and skips them, and should anything call them they do nothing.
import type { Reindex } from '../api.ts';
import type { ContentIndex } from '../contents.ts';
import type { PgContext } from './context.ts';

export class PgReindex implements Reindex {
  private readonly ctx: PgContext;

  constructor(ctx: PgContext) {
    this.ctx = ctx;
  }

  /** Content rows that IMAP or POP3 can read (queue-only content has no index to refresh). */
  async count(): Promise<number> {
    const [r] = await this.ctx.sql<{ n: number }[]>`SELECT count(*) AS n FROM contents WHERE mime_tree != ''`;
    return r!.n;
  }

  /** The next `limit` content ids after `afterId`. */
  async ids(afterId: number, limit: number): Promise<number[]> {
    const rows = await this.ctx.sql<{ id: number }[]>`SELECT id FROM contents WHERE id > ${afterId} AND mime_tree != '' ORDER BY id LIMIT ${limit}`;
    return rows.map((r) => r.id);
  }

  /** Always 0: the trigram indexes cover every content row (see the top of this file). */
  async ftsFloor(): Promise<number> {
    return 0;
  }

  /** Nothing to add: every row is in the trigram indexes as soon as it is committed. */
  async indexText(_ids: readonly number[], _floor: number): Promise<void> {}

  /** Nothing to record: the floor is 0 from the start. */
  async ftsComplete(): Promise<void> {}

  /** One statement per page: the new index values joined in by id from one JSON parameter. */
  async update(rows: { id: number; index: ContentIndex }[]): Promise<void> {
    if (rows.length === 0) return;
    const values = JSON.stringify(rows.map(({ id, index: i }) => ({
      id, mime_tree: i.mimeTree, envelope: i.envelope, body_structure: i.bodyStructure, body: i.body, header_text: i.headerText,
      search_text: i.searchText, sent_date: i.sentDate, sent_day: i.sentDay, address_text: i.addressText, sort_keys: i.sortKeys,
    })));
    await this.ctx.write(async (tx) => {
      await tx`UPDATE contents SET mime_tree = v.mime_tree, envelope = v.envelope, body_structure = v.body_structure, body = v.body,
          header_text = v.header_text, search_text = v.search_text, sent_date = v.sent_date, sent_day = v.sent_day,
          address_text = v.address_text, sort_keys = v.sort_keys
        FROM jsonb_to_recordset(${values}::text::jsonb) AS v (id bigint, mime_tree text, envelope text, body_structure text, body text,
          header_text text, search_text text, sent_date bigint, sent_day bigint, address_text text, sort_keys text)
        WHERE contents.id = v.id`;
    });
  }
}
