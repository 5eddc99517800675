// Byte-level reading of a header block: where it ends, and its fields as
// ranges of the raw message. Tolerates bare LF, missing blank line and
// headerless parts. Invariant: start <= every offset returned <= limit.
import { isUtf8 } from 'node:buffer';

export interface HeaderField {
  /** lowercased field name */
  name: string;
  /** offset of the first byte of the field line */
  start: number;
  /** offset just after the colon */
  valueStart: number;
  /** offset after the last line break of the field (continuations included) */
  end: number;
}

export interface HeaderBlock {
  fields: HeaderField[];
  /** where the body begins: after the blank line, or == start when there is no header */
  bodyStart: number;
}

const LF = 10;
const CR = 13;
const SP = 32;
const HT = 9;
const COLON = 58;

// RFC 5322 §2.2: field-name is printable US-ASCII except colon; obsolete syntax
// (RFC 5322 §4.5.2) allows whitespace before the colon. Returns the colon's
// offset, or -1 when the line is not a field line.
function colonOf(raw: Buffer, pos: number, lineEnd: number): number {
  let i = pos;
  while (i < lineEnd) {
    const c = raw[i];
    if (c <= SP || c > 126 || c === COLON) break;
    i++;
  }
  if (i === pos) return -1;
  while (i < lineEnd && (raw[i] === SP || raw[i] === HT)) i++;
  return i < lineEnd && raw[i] === COLON ? i : -1;
}

/** Reads the header starting at `start`; the header may not extend past `limit`. */
export function readHeaderBlock(raw: Buffer, start: number, limit: number): HeaderBlock {
  const fields: HeaderField[] = [];
  let pos = start;
  while (pos < limit) {
    const lf = raw.indexOf(LF, pos);
    const lineEnd = lf < 0 || lf >= limit ? limit : lf;
    const next = lineEnd === limit ? limit : lineEnd + 1;
    const contentEnd = lineEnd > pos && raw[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
    if (contentEnd === pos) return { fields, bodyStart: next };
    const c = raw[pos];
    if (c === SP || c === HT) {
      // A continuation line with no field before it is body text, not header.
      if (fields.length === 0) return { fields, bodyStart: start };
      fields[fields.length - 1].end = next;
    } else {
      const colon = colonOf(raw, pos, contentEnd);
      // A line that is neither a field nor a continuation: the sender forgot the
      // blank line, so the body starts here (or there was no header at all).
      if (colon < 0) return { fields, bodyStart: fields.length === 0 ? start : pos };
      let nameEnd = colon;
      while (nameEnd > pos && (raw[nameEnd - 1] === SP || raw[nameEnd - 1] === HT)) nameEnd--;
      fields.push({ name: raw.toString('latin1', pos, nameEnd).toLowerCase(), start: pos, valueStart: colon + 1, end: next });
    }
    pos = next;
  }
  return { fields, bodyStart: limit };
}

/** Decodes bytes of a header as UTF-8 when they are valid UTF-8 (RFC 6532), else as Latin-1. */
export function headerBytesToString(raw: Buffer, start: number, end: number): string {
  for (let i = start; i < end; i++) {
    if (raw[i] >= 0x80) {
      const slice = raw.subarray(start, end);
      return isUtf8(slice) ? slice.toString('utf8') : slice.toString('latin1');
    }
  }
  return raw.toString('latin1', start, end);
}

/** The field's value unfolded (RFC 5322 §2.2.3), NULs dropped, surrounding whitespace trimmed. */
export function fieldValue(raw: Buffer, field: HeaderField): string {
  return headerBytesToString(raw, field.valueStart, field.end)
    .replace(/\r?\n|\r|\0/g, '')
    .trim();
}

/** The first field with this (lowercase) name, or undefined. */
export function firstField(fields: HeaderField[], name: string): HeaderField | undefined {
  for (const f of fields) if (f.name === name) return f;
  return undefined;
}
