// Builds the MIME part tree of a raw message with byte offsets (RFC 2045,
// RFC 2046 §5.1 boundaries, §5.2 message/rfc822). Never throws; structure it
// cannot follow (no boundary, limits reached) becomes one opaque part.
// Invariant: 0 <= headerStart <= bodyStart <= end <= raw.length for every part,
// and children lie within their parent's body.
import { MIME_MAX_DEPTH, MIME_MAX_PARTS } from '../limits.ts';
import { readContentFields } from './content-fields.ts';
import { readHeaderBlock } from './header-block.ts';
import type { HeaderField } from './header-block.ts';
import type { MimePart } from './types.ts';

const LF = 10;
const CR = 13;
const DASH = 45;

/** RFC 3501 body-fld-lines: line breaks in the range, plus a final unterminated line. */
export function countLines(raw: Buffer, start: number, end: number): number {
  if (end <= start) return 0;
  let n = 0;
  let pos = raw.indexOf(LF, start);
  while (pos >= 0 && pos < end) {
    n++;
    pos = raw.indexOf(LF, pos + 1);
  }
  return raw[end - 1] === LF ? n : n + 1;
}

/**
 * Body ranges of a multipart body delimited by `--boundary` lines (RFC 2046 §5.1.1).
 * The line break before a delimiter belongs to the delimiter. Without a close
 * delimiter the last part runs to `end`. Returns [] when no delimiter is found.
 */
export function splitMultipart(raw: Buffer, start: number, end: number, boundary: string): [number, number][] {
  const delim = Buffer.from('--' + boundary, 'utf8');
  const parts: [number, number][] = [];
  let partStart = -1;
  let pos = start;
  while (pos < end) {
    const i = raw.indexOf(delim, pos);
    if (i < 0 || i + delim.length > end) break;
    pos = i + 1;
    if (i !== start && raw[i - 1] !== LF) continue;
    let j = i + delim.length;
    const close = j + 1 < end && raw[j] === DASH && raw[j + 1] === DASH;
    if (close) j += 2;
    // RFC 2046 §5.1.1: only transport padding (LWSP) may follow on the line.
    while (j < end && (raw[j] === 32 || raw[j] === 9)) j++;
    let next: number;
    if (j === end) next = end;
    else if (raw[j] === LF) next = j + 1;
    else if (raw[j] === CR && (j + 1 === end || raw[j + 1] === LF)) next = Math.min(end, j + 2);
    else continue;
    if (partStart >= 0) {
      let e = i === start ? i : i - 1;
      if (e > partStart && raw[e - 1] === CR) e--;
      parts.push([partStart, Math.max(partStart, e)]);
    }
    if (close) return parts;
    partStart = next;
    pos = next;
  }
  if (partStart >= 0) parts.push([partStart, end]);
  return parts;
}

interface Budget {
  parts: number;
}

function opaque(part: MimePart): void {
  part.type = 'application';
  part.subtype = 'octet-stream';
  part.params = [];
  part.children = [];
  part.message = null;
}

/** Parses the part whose header starts at `start` and whose body ends at `end`. */
export function parsePart(
  raw: Buffer,
  start: number,
  end: number,
  digestChild: boolean,
  depth: number,
  budget: Budget,
  headerOut?: (fields: HeaderField[]) => void,
): MimePart {
  budget.parts++;
  const header = readHeaderBlock(raw, start, end);
  if (headerOut) headerOut(header.fields);
  const cf = readContentFields(raw, header.fields, digestChild);
  const part: MimePart = {
    headerStart: start,
    bodyStart: header.bodyStart,
    end,
    lines: countLines(raw, header.bodyStart, end),
    type: cf.type,
    subtype: cf.subtype,
    params: cf.params,
    id: cf.id,
    description: cf.description,
    encoding: cf.encoding,
    md5: cf.md5,
    disposition: cf.disposition,
    language: cf.language,
    location: cf.location,
    children: [],
    message: null,
  };
  const withinLimits = depth < MIME_MAX_DEPTH && budget.parts < MIME_MAX_PARTS;
  if (part.type === 'multipart') {
    const boundary = part.params.find(([k]) => k === 'boundary')?.[1];
    const ranges = withinLimits && boundary ? splitMultipart(raw, part.bodyStart, end, boundary) : [];
    // RFC 3501 body-type-mpart needs at least one body: a multipart whose
    // boundary never appears is stored as one opaque part instead.
    if (ranges.length === 0) {
      opaque(part);
      return part;
    }
    const digest = part.subtype === 'digest';
    for (const [s, e] of ranges) {
      if (budget.parts >= MIME_MAX_PARTS) break;
      part.children.push(parsePart(raw, s, e, digest, depth + 1, budget));
    }
  } else if (part.type === 'message' && (part.subtype === 'rfc822' || part.subtype === 'global')) {
    if (!withinLimits) {
      opaque(part);
      return part;
    }
    part.message = parsePart(raw, part.bodyStart, end, false, depth + 1, budget);
  }
  return part;
}

/** The tree of a whole message; `headerOut` receives the top-level header fields. */
export function parseTree(raw: Buffer, headerOut?: (fields: HeaderField[]) => void): MimePart {
  return parsePart(raw, 0, raw.length, false, 0, { parts: 0 }, headerOut);
}
