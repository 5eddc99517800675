// A body part in the form BINARY serves it (RFC 3516 §4.2, URLFETCH BINARY RFC 5524 §3.1) and
// its body structure in that form. A leaf is its body with the Content-Transfer-Encoding undone; a
// composite part (multipart, message/rfc822) is its body with every base64 or quoted-printable leaf
// inside decoded and that leaf's Content-Transfer-Encoding field saying "binary", as Dovecot's
// imaptest (urlauth-binary) expects. Pure; never throws. Always true: every byte outside the
// converted leaves is kept as stored; a leaf whose decoded content would contain a boundary of an
// enclosing multipart is left encoded, so the converted part parses into the same tree.
import { bodyStructureOf } from './body-structure.ts';
import { readHeaderBlock } from './header-block.ts';
import { decodeTransfer } from './transfer-encoding.ts';
import { parseTree } from './tree.ts';
import type { MimePart } from './types.ts';

const DECODED = new Set(['base64', 'quoted-printable']);

/** The part with every offset moved by `delta` (a copy). */
export function shiftTree(part: MimePart, delta: number): MimePart {
  return {
    ...part,
    headerStart: part.headerStart + delta,
    bodyStart: part.bodyStart + delta,
    end: part.end + delta,
    children: part.children.map((c) => shiftTree(c, delta)),
    message: part.message && shiftTree(part.message, delta),
  };
}

function isComposite(part: MimePart): boolean {
  return part.children.length > 0 || part.message !== null;
}

/** Line breaks in data that is not text any more (a decoded body): its LF count. */
function lineBreaks(data: Buffer): number {
  let n = 0;
  for (let at = data.indexOf(10); at >= 0; at = data.indexOf(10, at + 1)) n++;
  return n;
}

/** The leaves to decode, in order, each with the boundaries of the multiparts around it. */
function decodableLeaves(part: MimePart, boundaries: string[], out: { leaf: MimePart; boundaries: string[] }[]): void {
  if (part.message) return decodableLeaves(part.message, boundaries, out);
  if (part.children.length > 0) {
    const b = part.params.find(([k]) => k === 'boundary')?.[1];
    const inner = b ? [...boundaries, b] : boundaries;
    for (const c of part.children) decodableLeaves(c, inner, out);
    return;
  }
  const encoding = part.encoding?.toLowerCase() ?? null;
  if (encoding !== null && DECODED.has(encoding) && part.bodyStart > part.headerStart) out.push({ leaf: part, boundaries });
}

/** The body of a composite part (offsets of `part` are into `raw`) with its encoded leaves
 *  decoded and relabelled "binary"; the decoded body of each converted leaf is reported to `onLeaf`. */
function convertComposite(raw: Buffer, part: MimePart, onLeaf?: (leaf: MimePart, decoded: Buffer) => void): Buffer {
  const leaves: { leaf: MimePart; boundaries: string[] }[] = [];
  decodableLeaves(part, [], leaves);
  const out: Buffer[] = [];
  let at = part.bodyStart;
  for (const { leaf, boundaries } of leaves) {
    const decoded = decodeTransfer(raw.subarray(leaf.bodyStart, leaf.end), leaf.encoding!.toLowerCase());
    if (boundaries.some((b) => decoded.includes('--' + b))) continue;
    const cte = readHeaderBlock(raw, leaf.headerStart, leaf.bodyStart).fields.find((f) => f.name === 'content-transfer-encoding');
    if (!cte) continue;
    out.push(raw.subarray(at, cte.start), Buffer.from('Content-Transfer-Encoding: binary\r\n'), raw.subarray(cte.end, leaf.bodyStart), decoded);
    onLeaf?.(leaf, decoded);
    at = leaf.end;
  }
  out.push(raw.subarray(at, part.end));
  return Buffer.concat(out);
}

/** What BINARY serves for `part` (offsets into `raw`): a leaf's body decoded, a composite part's
 *  body converted. `encoding` of a leaf must be decodable (the caller refuses others). */
export function binaryForm(raw: Buffer, part: MimePart): Buffer {
  if (isComposite(part)) return convertComposite(raw, part);
  return decodeTransfer(raw.subarray(part.bodyStart, part.end), part.encoding?.toLowerCase() ?? null);
}

/** BODYSTRUCTURE (extended) of `part` itself: what URLFETCH's BODYPARTSTRUCTURE reports. */
export function partStructure(raw: Buffer, part: MimePart): string {
  return bodyStructureOf(raw, part, true);
}

/**
 * The body structure of what binaryForm serves, for URLFETCH (… BINARY BODYPARTSTRUCTURE): sizes
 * and line counts are those of the converted data, and each part keeps the Content-Transfer-
 * Encoding its header declared, as the imaptest urlauth-binary group of the tool kit expects
 * (RFC 5524 §3.2 leaves the encoding field of converted data open). A decoded body's lines are
 * its line breaks.
 */
export function binaryStructure(raw: Buffer, part: MimePart): string {
  if (!isComposite(part)) {
    const decoded = binaryForm(raw, part);
    return bodyStructureOf(decoded, { ...part, headerStart: 0, bodyStart: 0, end: decoded.length, lines: lineBreaks(decoded) }, true);
  }
  const decodedLeaves = new Map<MimePart, Buffer>();
  const body = convertComposite(raw, part, (leaf, decoded) => decodedLeaves.set(leaf, decoded));
  const header = raw.subarray(part.headerStart, part.bodyStart);
  const bytes = Buffer.concat([header, body]);
  const tree = parseTree(bytes);
  // The converted part parses into the same shape; carry each part's declared encoding over.
  const carry = (from: MimePart, to: MimePart): void => {
    to.encoding = from.encoding;
    const decoded = decodedLeaves.get(from);
    if (decoded) to.lines = lineBreaks(decoded);
    if (from.message && to.message) carry(from.message, to.message);
    if (from.children.length === to.children.length) from.children.forEach((c, i) => carry(c, to.children[i]!));
  };
  carry(part, tree);
  return bodyStructureOf(bytes, tree, true);
}
