// A stored message's bytes as FETCH (RFC 3501 §6.4.5, BINARY RFC 3516 §4.2) and URLFETCH
// (RFC 4467 §6.4, RFC 5524) serve them: a section's byte range found from the stored MIME tree, a
// part with its transfer encoding undone, and the writer that streams large ranges. Always true: a
// partial reads only its byte range; a range larger than IMAP_FETCH_STREAM_THRESHOLD is never held
// whole — it is read and written a chunk at a time, the next chunk only once the socket has
// drained — and a failure once a literal has started closes the connection (the reply cannot be
// finished honestly).
import { ImapUserError } from './completion.ts';
import type { Section } from '../protocol/fetch-attributes.ts';
import { binaryForm, binaryStructure, decodeTree, partStructure, shiftTree, filterHeaderFields, resolvePart, sectionRange, type MimePart } from '../../mime/index.ts';
import { previewPart, previewRange, previewText } from '../protocol/preview.ts';
import type { MessageRow } from '../../store/messages.ts';
import type { ImapSession } from './session.ts';
import { IMAP_FETCH_STREAM_CHUNK, IMAP_FETCH_STREAM_THRESHOLD } from '../../limits.ts';

/** A byte range of a stored message, written to the socket chunk by chunk instead of read whole. */
export interface StreamedRange {
  contentId: number;
  start: number;
  end: number;
}

export type Literal = Buffer | StreamedRange;

export function literalSize(l: Literal): number {
  return Buffer.isBuffer(l) ? l.length : l.end - l.start;
}

export type Partial = { start: number; length: number } | null;

/** RFC 3501 §6.4.5: <start.length> is the octets from start, at most length of them. */
export function clip(start: number, end: number, partial: Partial): [number, number] {
  if (!partial) return [start, end];
  const from = Math.min(end, start + partial.start);
  return [from, Math.min(end, from + partial.length)];
}

/** Reads a message's bytes: from the row when the whole message came with it, else by range. */
export class MessageBytes {
  private readonly s: ImapSession;
  private readonly row: MessageRow;
  private tree: MimePart | null = null;

  constructor(s: ImapSession, row: MessageRow) {
    this.s = s;
    this.row = row;
  }

  private range(start: number, end: number): Literal | Promise<Literal> {
    if (this.row.bytes) return this.row.bytes.subarray(start, end);
    if (end - start > IMAP_FETCH_STREAM_THRESHOLD) return { contentId: this.row.contentId, start, end };
    return this.s.services.messages.readRange(this.row.contentId, start, end);
  }

  private mime(): MimePart {
    this.tree ??= decodeTree(this.row.mimeTree!);
    return this.tree;
  }

  /** RFC 3516 §4.2: a part's content with its Content-Transfer-Encoding undone (the whole message,
   *  as stored, for an empty section; a composite part with the encoded leaves inside it decoded:
   *  src/mime/binary-form.ts), only its partial range when one is given; null when there is no
   *  such part. A part is decoded whole: it is bounded by the message size limit. */
  async binary(section: Section, partial: Partial): Promise<Literal | null> {
    if (section.part.length === 0) return this.range(...clip(0, this.row.size, partial));
    const part = this.decodable(section);
    if (!part) return null;
    const decoded = binaryForm(await this.bytes(part.headerStart, part.end), shiftTree(part, -part.headerStart));
    return decoded.subarray(...clip(0, decoded.length, partial));
  }

  /** The part a section-part names, checked decodable (UNKNOWN-CTE, RFC 3516 §4.1 otherwise). */
  private decodable(section: Section): MimePart | null {
    const part = resolvePart(this.mime(), section.part);
    if (!part) return null;
    const encoding = part.encoding?.toLowerCase() ?? null;
    const composite = part.children.length > 0 || part.message !== null;
    if (!composite && encoding !== null && !DECODABLE.has(encoding)) throw new ImapUserError('Unknown Content-Transfer-Encoding', 'UNKNOWN-CTE');
    return part;
  }

  /** RFC 5524 §3.2 BODYPARTSTRUCTURE of a section-part (the whole message for an empty one): of
   *  the data as BINARY serves it when `binary` (and the part can be decoded), else as stored;
   *  null when there is no such part. */
  async structure(section: Section, binary: boolean): Promise<string | null> {
    const part = resolvePart(this.mime(), section.part);
    if (!part) return null;
    const start = section.part.length === 0 ? 0 : part.headerStart;
    const raw = await this.bytes(start, part.end);
    const shifted = shiftTree(part, -start);
    if (binary && section.part.length > 0) {
      try {
        if (this.decodable(section)) return binaryStructure(raw, shifted);
      } catch (err) {
        if (!(err instanceof ImapUserError)) throw err;
      }
    }
    return partStructure(raw, shifted);
  }

  private async bytes(start: number, end: number): Promise<Buffer> {
    return this.row.bytes ? this.row.bytes.subarray(start, end) : this.s.services.messages.readRange(this.row.contentId, start, end);
  }

  /** RFC 8970: the preview text, from a bounded prefix of the first text part. */
  async preview(): Promise<string> {
    const part = previewPart(this.mime());
    if (!part) return '';
    const r = previewRange(part);
    const bytes = this.row.bytes ? this.row.bytes.subarray(r.start, r.end) : await this.s.services.messages.readRange(this.row.contentId, r.start, r.end);
    return previewText(part, bytes);
  }

  /** The bytes of a section (only its partial range when one is given), or null when the message
   *  has no such part. */
  async section(section: Section, partial: Partial = null): Promise<Literal | null> {
    if (section.part.length === 0 && section.spec === 'ALL') return this.range(...clip(0, this.row.size, partial));
    const filtered = section.spec === 'HEADER.FIELDS' || section.spec === 'HEADER.FIELDS.NOT';
    const r = sectionRange(this.mime(), section.part, filtered ? 'HEADER' : section.spec);
    if (!r) return null;
    if (!filtered) return this.range(...clip(r.start, r.end, partial));
    // A header block is filtered whole; it is one part's header, bounded by the message size limit.
    const header = this.row.bytes ? this.row.bytes.subarray(r.start, r.end) : await this.s.services.messages.readRange(this.row.contentId, r.start, r.end);
    const bytes = filterHeaderFields(header, section.fields, section.spec === 'HEADER.FIELDS.NOT');
    return bytes.subarray(...clip(0, bytes.length, partial));
  }
}

const DECODABLE = new Set(['7bit', '8bit', 'binary', 'base64', 'quoted-printable']);

/** Writes gathered output: text and small literals in one batch, streamed ranges chunk by chunk with
 *  backpressure. False when the connection was closed (by the client, or because a streamed
 *  literal could not be read to its end). */
export async function writeOut(s: ImapSession, parts: (string | Literal)[]): Promise<boolean> {
  let batch: (string | Buffer)[] = [];
  for (const p of parts) {
    if (typeof p === 'string' || Buffer.isBuffer(p)) {
      batch.push(p);
      continue;
    }
    s.writeAll(batch);
    batch = [];
    for (let at = p.start; at < p.end; at += IMAP_FETCH_STREAM_CHUNK) {
      await s.drain();
      if (s.isClosed) return false;
      let chunk: Buffer;
      try {
        chunk = await s.services.messages.readRange(p.contentId, at, Math.min(p.end, at + IMAP_FETCH_STREAM_CHUNK));
      } catch (err) {
        // Mid-literal: the reply cannot be finished, and the client cannot resynchronize.
        s.services.log.error({ err, contentId: p.contentId }, 'IMAP FETCH read failed mid-literal; closing the connection');
        s.close();
        return false;
      }
      s.write(chunk);
    }
  }
  s.writeAll(batch);
  await s.drain();
  return !s.isClosed;
}

