// Recomputing what delivery derived from stored messages (MIME tree, envelope, body structure,
// search text) after src/mime changed, so IMAP serves what the new code would have computed. Raw
// bytes are never touched; rows are read in id order and updated a page per transaction.
import type { Db } from './open.ts';
import type { ContentIndex } from './contents.ts';
import { stmt } from './statements.ts';

export class ReindexStore {
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

  async update(rows: { id: number; index: ContentIndex }[]): Promise<void> {
    const update = stmt(this.db, `UPDATE contents SET mime_tree = ?, envelope = ?, body_structure = ?, body = ?, header_text = ?,
      search_text = ?, sent_date = ?, sent_day = ?, address_text = ?, sort_keys = ? WHERE id = ?`);
    this.db.transaction(() => {
      for (const { id, index: i } of rows) update.run(i.mimeTree, i.envelope, i.bodyStructure, i.body, i.headerText, i.searchText, i.sentDate, i.sentDay, i.addressText, i.sortKeys, id);
    })();
  }
}
