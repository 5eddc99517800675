// Serializes IMAP response data (RFC 3501 §4, §9): atoms, numbers, NIL, quoted strings, literals
// and parenthesized lists, into wire chunks. Pure.
// Always true: a string is written quoted only when every byte is legal inside a quoted string
// (no CR, LF or NUL; 8-bit only when UTF8=ACCEPT is enabled), otherwise as a literal, so whatever a
// caller passes is written so that a parser reads back exactly the same bytes.

export type ImapValue =
  /** Written verbatim: the caller guarantees it is a valid atom, flag, number or preformatted data. */
  | { atom: string }
  /** Always written as a literal (message bodies). */
  | { literal: Buffer }
  | string
  | Buffer
  | number
  | bigint
  | null
  | ImapValue[];

/** Longest string we write quoted; longer ones go as literals, which clients read faster. */
const MAX_QUOTED = 1024;

/** Accumulates response bytes as a list of chunks so large literals are never copied. */
export class ResponseChunks {
  readonly parts: (string | Buffer)[] = [];
  private text_ = '';

  text(s: string): this {
    this.text_ += s;
    return this;
  }

  bytes(b: Buffer): this {
    if (this.text_) {
      this.parts.push(this.text_);
      this.text_ = '';
    }
    this.parts.push(b);
    return this;
  }

  /** The chunks, strings to be written as UTF-8. */
  finish(): (string | Buffer)[] {
    if (this.text_) {
      this.parts.push(this.text_);
      this.text_ = '';
    }
    return this.parts;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.finish().map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
  }
}

/** The quoted form of `s`, or null when it must be sent as a literal. */
export function quoted(s: string, utf8 = false): string | null {
  if (s.length > MAX_QUOTED) return null;
  let needsEscape = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0 || c === 0x0a || c === 0x0d) return null;
    if (c >= 0x80 && !utf8) return null;
    if (c === 0x22 || c === 0x5c) needsEscape = true;
  }
  return needsEscape ? `"${s.replace(/["\\]/g, '\\$&')}"` : `"${s}"`;
}

function quotedBytes(b: Buffer, utf8: boolean): string | null {
  if (b.length > MAX_QUOTED) return null;
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c === 0 || c === 0x0a || c === 0x0d) return null;
    if (c >= 0x80 && !utf8) return null;
  }
  const s = b.toString('utf8');
  // Bytes that are not valid UTF-8 would not survive the round trip through a JS string.
  if (losesBytes(b, s)) return null;
  return quoted(s, utf8);
}

function losesBytes(b: Buffer, s: string): boolean {
  return Buffer.byteLength(s, 'utf8') !== b.length || !Buffer.from(s, 'utf8').equals(b);
}

/** A string as IMAP `string`: quoted when possible, literal otherwise. */
export function writeString(out: ResponseChunks, s: string | Buffer, utf8 = false): void {
  if (typeof s === 'string') {
    const q = quoted(s, utf8);
    if (q !== null) {
      out.text(q);
      return;
    }
    const b = Buffer.from(s, 'utf8');
    out.text(`{${b.length}}\r\n`).bytes(b);
    return;
  }
  const q = quotedBytes(s, utf8);
  if (q !== null) {
    out.text(q);
    return;
  }
  out.text(`{${s.length}}\r\n`).bytes(s);
}

/** An `astring` (RFC 3501 §9): an atom when the text is a plain atom, else a string. */
export function writeAString(out: ResponseChunks, s: string, utf8 = false): void {
  if (/^[!#$&'+-Z^-z|~]+$/.test(s) && s.toUpperCase() !== 'NIL') out.text(s);
  else writeString(out, s, utf8);
}

export function writeValue(out: ResponseChunks, v: ImapValue, utf8 = false): void {
  if (v === null) {
    out.text('NIL');
  } else if (typeof v === 'number' || typeof v === 'bigint') {
    out.text(String(v));
  } else if (typeof v === 'string' || Buffer.isBuffer(v)) {
    writeString(out, v, utf8);
  } else if (Array.isArray(v)) {
    out.text('(');
    for (let i = 0; i < v.length; i++) {
      if (i > 0) out.text(' ');
      writeValue(out, v[i]!, utf8);
    }
    out.text(')');
  } else if ('atom' in v) {
    out.text(v.atom);
  } else {
    out.text(`{${v.literal.length}}\r\n`).bytes(v.literal);
  }
}

/** Serializes a list of values separated by spaces (the data of one response line). */
export function serializeValues(values: ImapValue[], utf8 = false): Buffer {
  const out = new ResponseChunks();
  values.forEach((v, i) => {
    if (i > 0) out.text(' ');
    writeValue(out, v, utf8);
  });
  return out.toBuffer();
}

/** Text that may follow a response code: no CR/LF (RFC 3501 §9 `text`). */
export function responseText(s: string): string {
  return s.replace(/[\r\n\0]+/g, ' ');
}
