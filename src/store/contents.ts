// Stored message contents as both engines describe them: what delivery indexes once (the MIME
// tree, ENVELOPE, BODYSTRUCTURE, search text) and what a reader learns of a content. Always true:
// the index is computed at delivery, never by a reader.
import { BLOB_CHUNK_SIZE } from '../limits.ts';

export interface ContentIndex {
  mimeTree: string; envelope: string; bodyStructure: string; body: string;
  headerText: string; searchText: string; sentDate: number | null; sentDay: number | null; addressText: string;
  sortKeys: string;
  /** RETR's octet count (pop3_octets), when delivery computed it; else POP3 computes it at first login. */
  pop3Octets?: number;
}

export interface ContentInfo { id: number; blobId: number; prefix: Buffer; size: number; mimeTree: string }

/** Clamps [start, end) to the content (prefix + raw). */
function clamp(info: Pick<ContentInfo, 'size'>, start: number, end: number): { start: number; end: number } {
  start = Math.max(0, Math.min(start, info.size));
  return { start, end: Math.max(start, Math.min(end, info.size)) };
}

/** The chunks (by seq) that hold bytes [start, end) of prefix+raw; null when the range lies in the prefix alone. */
export function chunkSpan(info: Pick<ContentInfo, 'prefix' | 'size'>, start: number, end: number): { first: number; last: number } | null {
  ({ start, end } = clamp(info, start, end));
  const p = info.prefix.length;
  if (end <= p) return null;
  return { first: Math.floor(Math.max(0, start - p) / BLOB_CHUNK_SIZE), last: Math.floor((end - p - 1) / BLOB_CHUNK_SIZE) };
}

/** Cuts [start, end) of prefix+raw out of the prefix and the chunks chunkSpan names, in order. */
export function sliceRange(info: Pick<ContentInfo, 'prefix' | 'size'>, chunks: readonly Buffer[], start: number, end: number): Buffer {
  ({ start, end } = clamp(info, start, end));
  const parts: Buffer[] = [];
  const p = info.prefix.length;
  if (start < p) parts.push(info.prefix.subarray(start, Math.min(end, p)));
  const span = chunkSpan(info, start, end);
  if (span) {
    const joined = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    const offset = span.first * BLOB_CHUNK_SIZE;
    parts.push(joined.subarray(Math.max(0, start - p) - offset, end - p - offset));
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}
