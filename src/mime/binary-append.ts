// BINARY APPEND (RFC 3516 §4.3): a message appended with binary content (a NUL, or a part whose
// Content-Transfer-Encoding is "binary") is stored in a form every IMAP client can read: each such
// leaf part's body base64-encoded, its Content-Transfer-Encoding field changed to say so. BINARY
// FETCH decodes it back to the bytes the client sent. Pure; never throws. Every other message, and
// every other byte of a converted one, is kept exactly as received.
import { parseTree } from './tree.ts';
import { readHeaderBlock } from './header-block.ts';
import type { MimePart } from './types.ts';

/** Whether a message needs the conversion at all (a cheap test before any parsing). */
export function hasBinaryContent(raw: Buffer): boolean {
  return raw.includes(0) || /content-transfer-encoding:[ \t]*binary/i.test(raw.toString('latin1'));
}

function leaves(part: MimePart, out: MimePart[]): MimePart[] {
  if (part.message) leaves(part.message, out);
  else if (part.children.length > 0) for (const c of part.children) leaves(c, out);
  else out.push(part);
  return out;
}

/** The message with its binary leaf parts base64-encoded (unchanged when there are none). */
export function sevenBitForm(raw: Buffer): Buffer {
  if (!hasBinaryContent(raw)) return raw;
  let tree: MimePart;
  try {
    tree = parseTree(raw);
  } catch {
    return raw;
  }
  const out: Buffer[] = [];
  let at = 0;
  for (const leaf of leaves(tree, [])) {
    const body = raw.subarray(leaf.bodyStart, leaf.end);
    const encoding = leaf.encoding?.toLowerCase() ?? null;
    if (encoding !== 'binary' && !body.includes(0)) continue;
    if (leaf.bodyStart === leaf.headerStart) continue; // no header to declare base64 in
    const { fields } = readHeaderBlock(raw, leaf.headerStart, leaf.bodyStart);
    const cte = fields.find((f) => f.name === 'content-transfer-encoding');
    const encoded = Buffer.from((body.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n') + '\r\n', 'latin1');
    if (cte) {
      out.push(raw.subarray(at, cte.start), Buffer.from('Content-Transfer-Encoding: base64\r\n'), raw.subarray(cte.end, leaf.bodyStart));
    } else {
      const headerEnd = fields.length > 0 ? fields[fields.length - 1]!.end : leaf.headerStart;
      out.push(raw.subarray(at, headerEnd), Buffer.from('Content-Transfer-Encoding: base64\r\n'), raw.subarray(headerEnd, leaf.bodyStart));
    }
    out.push(encoded);
    at = leaf.end;
  }
  if (out.length === 0) return raw;
  out.push(raw.subarray(at));
  return Buffer.concat(out);
}
