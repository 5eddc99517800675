// The queries behind `postern verify`: SQLite's own checks, then Postern's invariants as the schema
// states them (migrations/0001_initial.sql). What must always be true: every query only reads (a
// backup is opened read-only), each reports the offending rows (a few, and how many), and each is a
// scan or an indexed join, never a query per row, so 100,000 messages verify in seconds.
import type { Db } from './open.ts';
import { BLOB_CHUNK_SIZE } from '../../limits.ts';

export interface Finding {
  /** Offending rows, at most SAMPLE of them, described for the operator. */
  sample: string[];
  /** How many rows offend in all. */
  count: number;
}

export interface StoredTree { id: number; size: number; mimeTree: string }

export interface StoredDkimKey { domain: string; selector: string; algorithm: string; privateKey: string; publicKey: string }

const SAMPLE = 5;

const C = BLOB_CHUNK_SIZE;

export class StoreVerifier {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  /** PRAGMA integrity_check: the b-trees, indexes and free list are sound. */
  integrity(): Finding {
    const rows = this.db.pragma('integrity_check') as { integrity_check: string }[];
    const problems = rows.map((r) => r.integrity_check).filter((m) => m !== 'ok');
    return { sample: problems.slice(0, SAMPLE), count: problems.length };
  }

  /** PRAGMA foreign_key_check: every reference points at a row that exists. */
  foreignKeys(): Finding {
    const rows = this.db.pragma('foreign_key_check') as { table: string; rowid: number; parent: string }[];
    return { sample: rows.slice(0, SAMPLE).map((r) => `${r.table} row ${r.rowid} → missing ${r.parent}`), count: rows.length };
  }

  /** Every message and queue entry has its content row, and every content its blob. */
  contentsExist(): Finding {
    return this.find(`
      SELECT 'message ' || m.id || ' → content ' || m.content_id FROM messages m LEFT JOIN contents c ON c.id = m.content_id WHERE c.id IS NULL
      UNION ALL SELECT 'queue message ' || q.id || ' → content ' || q.content_id FROM queue_messages q LEFT JOIN contents c ON c.id = q.content_id WHERE c.id IS NULL
      UNION ALL SELECT 'content ' || c.id || ' → blob ' || c.blob_id FROM contents c LEFT JOIN blobs b ON b.id = c.blob_id WHERE b.id IS NULL`);
  }

  /**
   * Raw bytes are complete: each blob has chunks 0..n-1 with n = ceil(size / chunk size) (one empty
   * chunk for an empty message), each chunk exactly as long as its place says, and the content
   * and message sizes are prefix + raw.
   */
  chunks(): Finding {
    return this.find(`
      SELECT 'blob ' || b.id || ': ' || coalesce(k.n, 0) || ' of ' || max(1, (b.size + ${C - 1}) / ${C}) || ' chunks, ' || coalesce(k.bytes, 0) || ' of ' || b.size || ' bytes'
        FROM blobs b LEFT JOIN (SELECT blob_id, count(*) AS n, sum(length(data)) AS bytes FROM blob_chunks GROUP BY blob_id) k ON k.blob_id = b.id
        WHERE coalesce(k.n, 0) != max(1, (b.size + ${C - 1}) / ${C}) OR coalesce(k.bytes, 0) != b.size
      UNION ALL SELECT 'blob ' || ch.blob_id || ' chunk ' || ch.seq || ': ' || length(ch.data) || ' bytes where ' || max(0, min(${C}, b.size - ch.seq * ${C})) || ' belong'
        FROM blob_chunks ch JOIN blobs b ON b.id = ch.blob_id WHERE length(ch.data) != max(0, min(${C}, b.size - ch.seq * ${C}))
      UNION ALL SELECT 'content ' || c.id || ': size ' || c.size || ', prefix + raw ' || (length(c.prefix) + b.size)
        FROM contents c JOIN blobs b ON b.id = c.blob_id WHERE c.size != length(c.prefix) + b.size
      UNION ALL SELECT 'message ' || m.id || ': size ' || m.size || ', content ' || c.size
        FROM messages m JOIN contents c ON c.id = m.content_id WHERE m.size != c.size`);
  }

  /** contents.refcount counts message rows and queue messages; blobs.refcount counts content rows. */
  refcounts(): Finding {
    return this.find(`
      WITH refs AS (SELECT content_id AS id, count(*) AS n FROM (SELECT content_id FROM messages UNION ALL SELECT content_id FROM queue_messages) GROUP BY content_id)
      SELECT 'content ' || c.id || ': refcount ' || c.refcount || ', referenced ' || coalesce(r.n, 0) || ' time(s)'
        FROM contents c LEFT JOIN refs r ON r.id = c.id WHERE c.refcount != coalesce(r.n, 0)
      UNION ALL SELECT 'blob ' || b.id || ': refcount ' || b.refcount || ', referenced ' || coalesce(r.n, 0) || ' time(s)'
        FROM blobs b LEFT JOIN (SELECT blob_id, count(*) AS n FROM contents GROUP BY blob_id) r ON r.blob_id = b.id WHERE b.refcount != coalesce(r.n, 0)`);
  }

  /** Every UID (and tombstone) is at least 1 and below its mailbox's uid_next, and unique in it. */
  uids(): Finding {
    return this.find(`
      SELECT 'mailbox ' || b.id || ' uid ' || m.uid || ': uid_next is ' || b.uid_next FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id WHERE m.uid < 1 OR m.uid >= b.uid_next
      UNION ALL SELECT 'mailbox ' || b.id || ' expunged uid ' || v.uid || ': uid_next is ' || b.uid_next FROM vanished v JOIN mailboxes b ON b.id = v.mailbox_id WHERE v.uid < 1 OR v.uid >= b.uid_next
      UNION ALL SELECT 'mailbox ' || mailbox_id || ' uid ' || uid || ' held by ' || count(*) || ' messages' FROM messages GROUP BY mailbox_id, uid HAVING count(*) > 1`);
  }

  /** No MODSEQ beyond its account's counter; a message's within its mailbox's highest_modseq. */
  modseqs(): Finding {
    return this.find(`
      SELECT 'message ' || m.id || ': modseq ' || m.modseq || ' > account ' || a.id || ' modseq ' || a.modseq
        FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id JOIN accounts a ON a.id = b.account_id WHERE m.modseq > a.modseq OR m.modseq < 1
      UNION ALL SELECT 'message ' || m.id || ': modseq ' || m.modseq || ' > mailbox ' || b.id || ' highest_modseq ' || b.highest_modseq
        FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id WHERE m.modseq > b.highest_modseq
      UNION ALL SELECT 'mailbox ' || b.id || ': highest_modseq ' || b.highest_modseq || ' > account modseq ' || a.modseq
        FROM mailboxes b JOIN accounts a ON a.id = b.account_id WHERE b.highest_modseq > a.modseq
      UNION ALL SELECT 'mailbox ' || b.id || ' expunged uid ' || v.uid || ': modseq ' || v.modseq || ' > account modseq ' || a.modseq
        FROM vanished v JOIN mailboxes b ON b.id = v.mailbox_id JOIN accounts a ON a.id = b.account_id WHERE v.modseq > a.modseq`);
  }

  /** Nothing is left that nothing refers to: contents, blobs, chunks, queue messages without recipients. */
  orphans(): Finding {
    return this.find(`
      SELECT 'content ' || c.id || ' referenced by nothing' FROM contents c
        WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.content_id = c.id) AND NOT EXISTS (SELECT 1 FROM queue_messages q WHERE q.content_id = c.id)
      UNION ALL SELECT 'blob ' || b.id || ' referenced by no content' FROM blobs b WHERE NOT EXISTS (SELECT 1 FROM contents c WHERE c.blob_id = b.id)
      UNION ALL SELECT 'chunk ' || ch.seq || ' of missing blob ' || ch.blob_id FROM blob_chunks ch LEFT JOIN blobs b ON b.id = ch.blob_id WHERE b.id IS NULL
      UNION ALL SELECT 'queue message ' || q.id || ' has no recipients' FROM queue_messages q WHERE NOT EXISTS (SELECT 1 FROM queue_recipients r WHERE r.message_id = q.id)
      UNION ALL SELECT 'queue recipient ' || r.id || ' of missing message ' || r.message_id FROM queue_recipients r LEFT JOIN queue_messages q ON q.id = r.message_id WHERE q.id IS NULL`);
  }

  /** Stored MIME trees in id order, a page at a time (queue-only content has none). */
  mimeTrees(afterId: number, limit: number): StoredTree[] {
    return this.db.prepare("SELECT id, size, mime_tree AS mimeTree FROM contents WHERE id > ? AND mime_tree != '' ORDER BY id LIMIT ?").all(afterId, limit) as StoredTree[];
  }

  dkimKeys(): StoredDkimKey[] {
    return this.db.prepare(`SELECT d.name AS domain, k.selector, k.algorithm, k.private_key AS privateKey, k.public_key AS publicKey
      FROM dkim_keys k JOIN domains d ON d.id = k.domain_id ORDER BY d.name, k.selector`).all() as StoredDkimKey[];
  }

  private find(sql: string): Finding {
    const count = (this.db.prepare(`SELECT count(*) AS n FROM (${sql})`).pluck().get() as number);
    const sample = count === 0 ? [] : (this.db.prepare(`${sql} LIMIT ${SAMPLE}`).pluck().all() as string[]);
    return { sample, count };
  }
}
