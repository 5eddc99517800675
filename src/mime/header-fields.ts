// Splits the header section of a raw message into its fields by byte offset, without decoding
// anything. Always true: the fields returned are contiguous, in message order, each spanning from
// its name to the end of its last continuation line (line terminator included), and `headerEnd` is
// the offset where the body (or the blank separator line) begins. A message with no header section
// (starting with a blank line) has no fields.

export interface HeaderField {
  /** The field name as written, without the colon. */
  name: string;
  start: number;
  end: number;
}

export interface HeaderSection {
  fields: HeaderField[];
  /** Offset of the empty line that ends the header section, or raw.length if there is none. */
  headerEnd: number;
}

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;

export function splitHeaderFields(raw: Buffer): HeaderSection {
  const fields: HeaderField[] = [];
  let pos = 0;
  while (pos < raw.length) {
    const lineEnd = endOfLine(raw, pos);
    const content = contentEnd(raw, pos, lineEnd);
    if (content === pos) return { fields, headerEnd: pos };
    const first = raw[pos]!;
    const last = fields.at(-1);
    if ((first === SP || first === HTAB) && last) {
      // RFC 5322 §2.2.3: a line starting with white space continues the previous field.
      last.end = lineEnd;
    } else {
      const colon = raw.indexOf(0x3a, pos);
      const name = colon !== -1 && colon < content ? raw.toString('latin1', pos, colon).trimEnd() : raw.toString('latin1', pos, content);
      fields.push({ name, start: pos, end: lineEnd });
    }
    pos = lineEnd;
  }
  return { fields, headerEnd: raw.length };
}

/** Offset just past the line terminator of the line starting at `pos` (or raw.length). */
function endOfLine(raw: Buffer, pos: number): number {
  const lf = raw.indexOf(LF, pos);
  return lf === -1 ? raw.length : lf + 1;
}

function contentEnd(raw: Buffer, start: number, lineEnd: number): number {
  let end = lineEnd;
  if (end > start && raw[end - 1] === LF) end--;
  if (end > start && raw[end - 1] === CR) end--;
  return end;
}

/** Fields named `name` (case-insensitive, RFC 5322 §1.2.2). */
export function fieldsNamed(section: HeaderSection, name: string): HeaderField[] {
  const lower = name.toLowerCase();
  return section.fields.filter((f) => f.name.toLowerCase() === lower);
}

/** The raw message without the given fields; everything else byte for byte. */
export function withoutFields(raw: Buffer, remove: HeaderField[]): Buffer {
  if (remove.length === 0) return raw;
  const parts: Buffer[] = [];
  let pos = 0;
  for (const field of remove) {
    parts.push(raw.subarray(pos, field.start));
    pos = field.end;
  }
  parts.push(raw.subarray(pos));
  return Buffer.concat(parts);
}
