// The header section of a whole message as byte ranges, for the code that counts, finds and removes
// fields (loop detection, forged Authentication-Results and spam fields, signing, submission
// fix-ups). There is one splitter, readHeaderBlock in header-block.ts, which the index, IMAP and
// POP3 use too, so every part of Postern agrees where the header ends. Always true: the fields are
// contiguous, in message order, each spanning from its name to the end of its last continuation
// line (line terminator included); a line that is neither a field nor a continuation ends the
// header section (RFC 5322 §2.2, §3.5: the header is fields only), as mailparser and Postfix read it.
import { readHeaderBlock, type HeaderField } from './header-block.ts';

export type { HeaderField } from './header-block.ts';

export interface HeaderSection {
  fields: HeaderField[];
  /** Where the body begins: after the empty line, at the first line that is not a field, or raw.length. */
  bodyStart: number;
  /**
   * False when the body begins at a line that is not a field, with no empty line before it: a
   * sender's mistake that lenient readers may take for more header. Whoever rewrites the header
   * then writes the empty line, so that no reader downstream can disagree.
   */
  separated: boolean;
}

export function splitHeaderFields(raw: Buffer): HeaderSection {
  const { fields, bodyStart } = readHeaderBlock(raw, 0, raw.length);
  const headerEnd = fields.at(-1)?.end ?? 0;
  return { fields, bodyStart, separated: bodyStart !== headerEnd || bodyStart === raw.length };
}

/**
 * A message's header read once, for everything a transaction asks of it: the header section and
 * `lenient`, every field a lenient reader could take as header (the section's fields and, when it
 * ended at a line that is not a field, those between that line and the first empty line). `lenient`
 * is for removing fields that must never reach any reader (our own verdicts, RFC 8601 §5), not for
 * reading. Offsets are into the message it was read from.
 */
export interface MessageHeader extends HeaderSection {
  lenient: HeaderField[];
}

export function readMessageHeader(raw: Buffer): MessageHeader {
  const first = readHeaderBlock(raw, 0, raw.length);
  const headerEnd = first.fields.at(-1)?.end ?? 0;
  const separated = first.bodyStart !== headerEnd || first.bodyStart === raw.length;
  const lenient = [...first.fields];
  let block = first;
  let blockEnd = headerEnd;
  while (block.bodyStart === blockEnd && block.bodyStart < raw.length) {
    // The body began at a line that is not a field: step over it and read on.
    const lf = raw.indexOf(0x0a, block.bodyStart);
    const pos = lf < 0 ? raw.length : lf + 1;
    if (pos >= raw.length) break;
    block = readHeaderBlock(raw, pos, raw.length);
    lenient.push(...block.fields);
    blockEnd = block.fields.at(-1)?.end ?? pos;
  }
  return { fields: first.fields, bodyStart: first.bodyStart, separated, lenient };
}

/** The header section's fields, byte for byte, without the empty line (a DSN's text/rfc822-headers, RFC 3462). */
export function headerSection(raw: Buffer): Buffer {
  return raw.subarray(0, splitHeaderFields(raw).fields.at(-1)?.end ?? 0);
}

/** Fields named `name` (case-insensitive, RFC 5322 §1.2.2). */
export function fieldsNamed(fields: readonly HeaderField[], name: string): HeaderField[] {
  const lower = name.toLowerCase();
  return fields.filter((f) => f.name === lower);
}

/** The raw message without the given fields (in message order); everything else byte for byte. */
export function withoutFields(raw: Buffer, remove: readonly HeaderField[]): Buffer {
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
