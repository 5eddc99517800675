// Recomputing what delivery derived from stored messages (MIME tree, envelope, body structure,
// search text) after src/mime changed, so IMAP serves what the new code would have computed. Raw
// bytes are never touched; rows are read in id order and updated a page per transaction.
import type { Db } from './open.ts';
import type { ContentIndex } from '../contents.ts';
import { stmt } from './statements.ts';
import type { Reindex } from '../api.ts';

export class ReindexStore implements Reindex {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  /** Content rows that IMAP or POP3 can read (queue-only content has no index to refresh). */
  async count(): Promise<number> {
    return (stmt(this.db, "SELECT count(*) AS n FROM contents WHERE mime_tree != ''").get() as { n: number }).n;
  }

  /** The next `limit` content ids after `afterId`. */
  async ids(afterId: number, limit: number): Promise<number[]> {
    return (stmt(this.db, "SELECT id FROM contents WHERE id > ? AND mime_tree != '' ORDER BY id LIMIT ?").all(afterId, limit) as { id: number }[]).map((r) => r.id);
  }

  /** Content ids below this were stored before the full-text index existed (0: all are in it). */
  async ftsFloor(): Promise<number> {
    return (stmt(this.db, "SELECT value FROM counters WHERE name = 'fts_floor'").pluck().get() as number | undefined) ?? 0;
  }

  /** Adds content rows stored before the full-text index existed (ids below the floor) to it. */
  async indexText(ids: readonly number[], floor: number): Promise<void> {
    const add = stmt(this.db, 'INSERT INTO search_fts (rowid, header_text, search_text) SELECT id, header_text, search_text FROM contents WHERE id = ?');
    this.db.transaction(() => {
      for (const id of ids) if (id < floor) add.run(id);
    })();
  }

  /** Every content row is in the full-text index now: SEARCH may rely on it everywhere. */
  async ftsComplete(): Promise<void> {
    stmt(this.db, "UPDATE counters SET value = 0 WHERE name = 'fts_floor'").run();
  }

  async update(rows: { id: number; index: ContentIndex }[]): Promise<void> {
    const update = stmt(this.db, `UPDATE contents SET mime_tree = ?, envelope = ?, body_structure = ?, body = ?, header_text = ?,
      search_text = ?, sent_date = ?, sent_day = ?, address_text = ?, sort_keys = ? WHERE id = ?`);
    this.db.transaction(() => {
      for (const { id, index: i } of rows) update.run(i.mimeTree, i.envelope, i.bodyStructure, i.body, i.headerText, i.searchText, i.sentDate, i.sentDay, i.addressText, i.sortKeys, id);
    })();
  }
}
