// Stored message bytes. A content row is what a reader serves: its prefix (headers Postern added)
// followed by the raw blob. Raw bytes are written once, in BLOB_CHUNK_SIZE chunks, so a ranged
// read touches only the chunks it needs and no single value is huge. Raw bytes are never rewritten.
// Every content row inserted here is listed in search_fts_pending in the same transaction, and
// indexPending moves listed rows into the full-text index (search_fts) in batches (migrations/0102).
import { stmt } from './statements.ts';
import type { Db } from './open.ts';
import type { Contents } from '../api.ts';
import { BLOB_CHUNK_SIZE } from '../../limits.ts';
import { chunkSpan, sliceRange, type ContentIndex, type ContentInfo } from '../contents.ts';

/** Inserts raw bytes and the content row over them, with refcount 0: the caller adds its references. */
export function insertContent(db: Db, raw: Buffer, prefix: Buffer, index: ContentIndex): number {
  const blob = stmt(db, 'INSERT INTO blobs (size, refcount) VALUES (?, 1)').run(raw.length);
  const blobId = Number(blob.lastInsertRowid);
  const chunk = stmt(db, 'INSERT INTO blob_chunks (blob_id, seq, data) VALUES (?, ?, ?)');
  for (let seq = 0, o = 0; o < raw.length || (o === 0 && seq === 0); o += BLOB_CHUNK_SIZE, seq++) {
    chunk.run(blobId, seq, raw.subarray(o, o + BLOB_CHUNK_SIZE));
    if (raw.length === 0) break;
  }
  const content = stmt(db, `INSERT INTO contents (blob_id, prefix, size, mime_tree, envelope, body_structure, body, header_text, search_text, sent_date, sent_day, address_text, sort_keys, refcount)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`).run(blobId, prefix, prefix.length + raw.length, index.mimeTree, index.envelope,
    index.bodyStructure, index.body, index.headerText, index.searchText, index.sentDate, index.sentDay, index.addressText, index.sortKeys);
  const contentId = Number(content.lastInsertRowid);
  // Indexed later, with others (migrations/0102): one FTS5 segment per batch, not per delivery.
  stmt(db, 'INSERT INTO search_fts_pending (content_id) VALUES (?)').run(contentId);
  if (index.pop3Octets !== undefined) stmt(db, 'INSERT INTO pop3_octets (content_id, octets) VALUES (?, ?)').run(contentId, index.pop3Octets);
  return contentId;
}

/** Moves up to `limit` listed content rows into the full-text index; returns how many it moved.
 *  Plain INSERTs in the caller's transaction, so FTS5 writes them as one segment at its COMMIT. */
export function indexPending(db: Db, limit: number): number {
  const ids = (stmt(db, 'SELECT content_id AS id FROM search_fts_pending ORDER BY content_id LIMIT ?').all(limit) as { id: number }[]).map((r) => r.id);
  if (ids.length === 0) return 0;
  const list = JSON.stringify(ids);
  stmt(db, `INSERT INTO search_fts (rowid, header_text, search_text)
    SELECT id, header_text, search_text FROM contents WHERE id IN (SELECT value FROM json_each(?))`).run(list);
  stmt(db, 'DELETE FROM search_fts_pending WHERE content_id IN (SELECT value FROM json_each(?))').run(list);
  return ids.length;
}

export class ContentReader implements Contents {
  private readonly infoStmt;
  private readonly chunksStmt;
  private readonly headStmt;
  private readonly chunkStmt;

  constructor(db: Db) {
    this.infoStmt = db.prepare('SELECT id, blob_id AS blobId, prefix, size, mime_tree AS mimeTree FROM contents WHERE id = ?');
    this.chunksStmt = db.prepare('SELECT data FROM blob_chunks WHERE blob_id = ? AND seq BETWEEN ? AND ? ORDER BY seq').pluck();
    // pieces() serves whole messages (POP3 RETR, IMAP BODY[]) one after another: the prefix read
    // without the MIME tree it does not need, as an array, then each chunk by its key. Two plain
    // lookups cost less than one LEFT JOIN of the row and the first chunk (about 10 µs against 29
    // per message on a store larger than the page cache, measured on 10,000 messages).
    this.headStmt = db.prepare('SELECT blob_id, prefix, size FROM contents WHERE id = ?').raw();
    this.chunkStmt = db.prepare('SELECT data FROM blob_chunks WHERE blob_id = ? AND seq = ?').pluck();
  }

  async info(contentId: number): Promise<ContentInfo | null> {
    return this.infoNow(contentId);
  }

  private infoNow(contentId: number): ContentInfo | null {
    return (this.infoStmt.get(contentId) as ContentInfo | undefined) ?? null;
  }

  /** Bytes [start, end) of prefix+raw, reading only the chunks that overlap. */
  async range(contentId: number, start: number, end: number): Promise<Buffer> {
    const info = this.infoNow(contentId);
    if (!info) throw new Error(`content ${contentId} does not exist`);
    return readRange(this.chunksStmt, info, start, end);
  }

  /** The whole message as served (prefix + raw). */
  async full(contentId: number): Promise<Buffer> {
    const info = this.infoNow(contentId);
    if (!info) throw new Error(`content ${contentId} does not exist`);
    return readRange(this.chunksStmt, info, 0, info.size);
  }

  /** The message in pieces (prefix, then each stored chunk), for streaming large messages. */
  async *pieces(contentId: number): AsyncGenerator<Buffer> {
    const head = this.headStmt.get(contentId) as [blobId: number, prefix: Buffer, size: number] | undefined;
    if (!head) throw new Error(`content ${contentId} does not exist`);
    const [blobId, prefix, size] = head;
    if (prefix.length > 0) yield prefix;
    const last = Math.max(0, Math.ceil((size - prefix.length) / BLOB_CHUNK_SIZE) - 1);
    for (let seq = 0; seq <= last; seq++) {
      const data = this.chunkStmt.get(blobId, seq) as Buffer | undefined;
      if (data && data.length > 0) yield data;
    }
  }
}

function readRange(chunks: { all(...args: unknown[]): unknown[] }, info: ContentInfo, start: number, end: number): Buffer {
  const span = chunkSpan(info, start, end);
  return sliceRange(info, span ? chunks.all(info.blobId, span.first, span.last) as Buffer[] : [], start, end);
}
