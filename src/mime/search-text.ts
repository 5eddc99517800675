// The text SEARCH BODY/TEXT match against: every text/* part (nested
// messages included) transfer-decoded, charset-converted and, for HTML,
// stripped of markup. Never throws. Invariant: the result is at most
// SEARCH_TEXT_MAX_CHARS long.
import { SEARCH_TEXT_MAX_CHARS } from '../limits.ts';
import { decodeCharset } from './charset.ts';
import { decodeTransfer } from './transfer-encoding.ts';
import type { MimePart } from './types.ts';

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

function entity(m: string, name: string): string {
  if (name[0] === '#') {
    const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
  }
  return ENTITIES[name.toLowerCase()] ?? m;
}

/** Visible text of an HTML document, roughly: enough for word search. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style|head)\b[^]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[^]*?-->/g, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#x?[0-9a-f]+|[a-z]+);/gi, entity)
    .replace(/[ \t\r\n]+/g, ' ')
    .trim();
}

function collectText(raw: Buffer, part: MimePart, out: string[], budget: { left: number }): void {
  if (budget.left <= 0) return;
  if (part.message) {
    collectText(raw, part.message, out, budget);
    return;
  }
  if (part.children.length > 0) {
    for (const child of part.children) collectText(raw, child, out, budget);
    return;
  }
  if (part.type !== 'text') return;
  // Encoded forms are at most 4/3 (base64) or 3x (QP) of the text; reading 4x
  // the remaining budget bounds the work on huge parts without losing text.
  const limit = Math.min(part.end, part.bodyStart + budget.left * 4 + 4);
  const bytes = decodeTransfer(raw.subarray(part.bodyStart, limit), part.encoding);
  const charset = part.params.find(([k]) => k === 'charset')?.[1];
  let text = decodeCharset(bytes, charset);
  if (part.subtype === 'html') text = htmlToText(text);
  if (text.length > budget.left) text = text.slice(0, budget.left);
  budget.left -= text.length + 1;
  out.push(text);
}

export function searchTextOf(raw: Buffer, tree: MimePart): string {
  const out: string[] = [];
  try {
    collectText(raw, tree, out, { left: SEARCH_TEXT_MAX_CHARS });
  } catch {
    // Partial text is better than none; the message is still stored.
  }
  const joined = out.join('\n');
  return joined.length > SEARCH_TEXT_MAX_CHARS ? joined.slice(0, SEARCH_TEXT_MAX_CHARS) : joined;
}
