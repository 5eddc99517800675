// PREVIEW (RFC 8970): the text a client shows under a message's subject, from the message's first
// text part (text/plain, else text/html with its markup dropped) as stored — transfer-decoded and
// charset-converted from a bounded prefix of the part, never the whole message. Pure.
// Always true: the preview has at most IMAP_PREVIEW_MAX_CHARS characters (§3.1: no more than 256),
// whitespace runs become one space, no character is split, and at most IMAP_PREVIEW_READ_BYTES of
// the part are looked at.
import type { MimePart } from '../../mime/index.ts';
import { decodeTransfer } from '../../mime/index.ts';
import { decodeCharset } from '../../mime/charset.ts';
import { htmlToText } from '../../mime/search-text.ts';
import { IMAP_PREVIEW_MAX_CHARS, IMAP_PREVIEW_READ_BYTES } from '../../limits.ts';

function leaves(part: MimePart, out: MimePart[]): MimePart[] {
  if (part.message) leaves(part.message, out);
  else if (part.children.length > 0) for (const c of part.children) leaves(c, out);
  else out.push(part);
  return out;
}

/** The part a preview comes from: the first inline text/plain, else the first inline text/html. */
export function previewPart(tree: MimePart): MimePart | null {
  const texts = leaves(tree, []).filter((p) => p.type === 'text' && p.disposition?.type !== 'attachment');
  return texts.find((p) => p.subtype === 'plain') ?? texts.find((p) => p.subtype === 'html') ?? null;
}

/** The byte range of `part` that previewText needs. */
export function previewRange(part: MimePart): { start: number; end: number } {
  return { start: part.bodyStart, end: Math.min(part.end, part.bodyStart + IMAP_PREVIEW_READ_BYTES) };
}

/** The preview from the bytes of previewRange(part). */
export function previewText(part: MimePart, bytes: Buffer): string {
  let encoded = bytes;
  // A base64 prefix cut mid-quantum would decode a garbage last byte: keep whole lines only.
  if (part.encoding?.toLowerCase() === 'base64' && bytes.length >= IMAP_PREVIEW_READ_BYTES) {
    const lf = bytes.lastIndexOf(10);
    if (lf > 0) encoded = bytes.subarray(0, lf + 1);
  }
  let text = decodeCharset(decodeTransfer(encoded, part.encoding), part.params.find(([k]) => k === 'charset')?.[1]);
  if (part.subtype === 'html') text = htmlToText(text);
  text = text.replace(/[\s\u0000-\u001f\u007f\ufffd]+/gu, ' ').trim();
  const chars = [...text];
  return chars.length > IMAP_PREVIEW_MAX_CHARS ? chars.slice(0, IMAP_PREVIEW_MAX_CHARS).join('').trimEnd() : text;
}
