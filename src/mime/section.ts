// FETCH BODY[section] support (RFC 3501 §6.4.5): resolving a section to a
// byte range of the message from the stored tree, and subsetting a header to
// HEADER.FIELDS / HEADER.FIELDS.NOT. Pure; never throws.
import { readHeaderBlock } from './header-block.ts';
import type { MimePart, SectionKind } from './types.ts';

/**
 * The part a section path names. RFC 3501 §6.4.5: numbers index into a
 * multipart; a non-multipart has only part 1, itself; after the first number,
 * a message/rfc822 part's numbers refer to its encapsulated message.
 */
export function resolvePart(tree: MimePart, path: number[]): MimePart | null {
  let cur = tree;
  for (let i = 0; i < path.length; i++) {
    const n = path[i];
    if (!Number.isInteger(n) || n < 1) return null;
    if (i > 0 && cur.message) cur = cur.message;
    if (cur.children.length > 0) {
      const child = cur.children[n - 1];
      if (!child) return null;
      cur = child;
    } else if (n !== 1) {
      return null;
    }
  }
  return cur;
}

export function sectionRange(tree: MimePart, part: number[], kind: SectionKind): { start: number; end: number } | null {
  const target = resolvePart(tree, part);
  if (!target) return null;
  if (part.length === 0) {
    // The whole message: HEADER/TEXT are its own; MIME needs a part number.
    if (kind === 'ALL') return { start: target.headerStart, end: target.end };
    if (kind === 'TEXT') return { start: target.bodyStart, end: target.end };
    if (kind === 'MIME') return null;
    return { start: target.headerStart, end: target.bodyStart };
  }
  switch (kind) {
    case 'ALL':
      return { start: target.bodyStart, end: target.end };
    case 'MIME':
      return { start: target.headerStart, end: target.bodyStart };
    case 'TEXT':
      // RFC 3501 §6.4.5: HEADER and TEXT of a part apply to message/rfc822 parts only.
      return target.message ? { start: target.message.bodyStart, end: target.message.end } : null;
    default:
      return target.message ? { start: target.message.headerStart, end: target.message.bodyStart } : null;
  }
}

export function filterHeaderFields(header: Buffer, names: string[], not: boolean): Buffer {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const block = readHeaderBlock(header, 0, header.length);
  const kept: Buffer[] = [];
  for (const f of block.fields) {
    if (wanted.has(f.name) !== not) {
      const bytes = header.subarray(f.start, f.end);
      kept.push(bytes);
      // A last field without its line break still needs one before the blank line.
      if (bytes.length === 0 || bytes[bytes.length - 1] !== 10) kept.push(Buffer.from('\r\n'));
    }
  }
  // RFC 3501 §6.4.5: the subsetted header includes the blank line that ends it.
  kept.push(Buffer.from('\r\n'));
  return Buffer.concat(kept);
}
