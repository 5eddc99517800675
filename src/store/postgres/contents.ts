// The PostgreSQL engine's contents area (the interface is Contents in src/store/api.ts), as
// src/store/sqlite/contents.ts: a content row serves its prefix followed by the raw blob, which is stored
// once in BLOB_CHUNK_SIZE rows of blob_chunks; a ranged read fetches only the overlapping chunks.
// insertContent writes a new content with the references its caller is about to add (0 unless given).
import type { Contents } from '../api.ts';
import { sliceRange, type ContentIndex, type ContentInfo } from '../contents.ts';
import { BLOB_CHUNK_SIZE } from '../../limits.ts';
import type { Sql, Tx } from './connect.ts';
import type { PgContext } from './context.ts';

/** Inserts raw bytes and the content row over them, with `refcount` (the references the caller adds in this transaction); returns the content id. */
export async function insertContent(tx: Tx, raw: Buffer, prefix: Buffer, index: ContentIndex, refcount = 0): Promise<number> {
  const [blob] = await tx<{ id: number }[]>`INSERT INTO blobs (size, refcount) VALUES (${raw.length}, 1) RETURNING id`;
  const blobId = blob!.id;
  const chunks: { blob_id: number; seq: number; data: Buffer }[] = [];
  for (let seq = 0, o = 0; seq === 0 || o < raw.length; o += BLOB_CHUNK_SIZE, seq++) {
    chunks.push({ blob_id: blobId, seq, data: raw.subarray(o, o + BLOB_CHUNK_SIZE) });
  }
  await tx`INSERT INTO blob_chunks ${tx(chunks, 'blob_id', 'seq', 'data')}`;
  const [content] = await tx<{ id: number }[]>`INSERT INTO contents (blob_id, prefix, size, mime_tree, envelope, body_structure, body,
      header_text, search_text, sent_date, sent_day, address_text, sort_keys, refcount)
    VALUES (${blobId}, ${prefix}, ${prefix.length + raw.length}, ${index.mimeTree}, ${index.envelope}, ${index.bodyStructure}, ${index.body},
      ${index.headerText}, ${index.searchText}, ${index.sentDate}, ${index.sentDay}, ${index.addressText}, ${index.sortKeys}, ${refcount}) RETURNING id`;
  const contentId = content!.id;
  if (index.pop3Octets !== undefined) await tx`INSERT INTO pop3_octets (content_id, octets) VALUES (${contentId}, ${index.pop3Octets})`;
  return contentId;
}

type Reader = Sql | Tx;

export async function contentInfo(q: Reader, contentId: number): Promise<ContentInfo | null> {
  const [row] = await q<ContentInfo[]>`SELECT id, blob_id AS "blobId", prefix, size, mime_tree AS "mimeTree" FROM contents WHERE id = ${contentId}`;
  return row ? { ...row } : null;
}

// One statement reads the content row and just the chunks that overlap [start, end), so a
// content released by another node between two statements can never be served half.
export async function readContentRange(q: Reader, contentId: number, start: number, end: number): Promise<Buffer> {
  const rows = await q<{ blobId: number; prefix: Buffer; size: number; mimeTree: string; seq: number | null; data: Buffer | null }[]>`
    SELECT c.blob_id AS "blobId", c.prefix, c.size, c.mime_tree AS "mimeTree", b.seq, b.data FROM contents c
    LEFT JOIN blob_chunks b ON b.blob_id = c.blob_id
      AND b.seq >= greatest(0, ${start}::bigint - length(c.prefix)) / ${BLOB_CHUNK_SIZE}
      AND b.seq <= (least(${end}::bigint, c.size) - length(c.prefix) - 1) / ${BLOB_CHUNK_SIZE}
    WHERE c.id = ${contentId} ORDER BY b.seq`;
  const head = rows[0];
  if (!head) throw new Error(`content ${contentId} does not exist`);
  const info: ContentInfo = { id: contentId, blobId: head.blobId, prefix: head.prefix, size: head.size, mimeTree: head.mimeTree };
  const chunks = rows.filter((r) => r.data !== null).map((r) => r.data!);
  return sliceRange(info, chunks, start, end);
}

/** The message in pieces: the prefix and first chunk in one query, then each further chunk. */
export async function* contentPieces(sql: Sql, contentId: number): AsyncGenerator<Buffer> {
  const [head] = await sql<{ blobId: number; prefix: Buffer; size: number; data: Buffer | null }[]>`
    SELECT c.blob_id AS "blobId", c.prefix, c.size, b.data FROM contents c
    LEFT JOIN blob_chunks b ON b.blob_id = c.blob_id AND b.seq = 0 WHERE c.id = ${contentId}`;
  if (!head) throw new Error(`content ${contentId} does not exist`);
  if (head.prefix.length > 0) yield head.prefix;
  if (head.data && head.data.length > 0) yield head.data;
  const last = Math.max(0, Math.ceil((head.size - head.prefix.length) / BLOB_CHUNK_SIZE) - 1);
  for (let seq = 1; seq <= last; seq++) {
    const [row] = await sql<{ data: Buffer }[]>`SELECT data FROM blob_chunks WHERE blob_id = ${head.blobId} AND seq = ${seq}`;
    if (row && row.data.length > 0) yield row.data;
  }
}

export class PgContents implements Contents {
  private readonly ctx: PgContext;

  constructor(ctx: PgContext) {
    this.ctx = ctx;
  }

  async info(contentId: number): Promise<ContentInfo | null> {
    return contentInfo(this.ctx.sql, contentId);
  }

  /** Bytes [start, end) of prefix+raw, reading only the chunks that overlap. */
  async range(contentId: number, start: number, end: number): Promise<Buffer> {
    return readContentRange(this.ctx.sql, contentId, start, end);
  }

  /** The whole message as served (prefix + raw). */
  async full(contentId: number): Promise<Buffer> {
    return readContentRange(this.ctx.sql, contentId, 0, Number.MAX_SAFE_INTEGER);
  }

  /** The message in pieces (prefix, then each stored chunk), for streaming large messages. */
  pieces(contentId: number): AsyncIterable<Buffer> {
    return contentPieces(this.ctx.sql, contentId);
  }
}
