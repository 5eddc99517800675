// The forms of IMAP response data (RFC 3501 §4, §9) every response that carries a string or a
// literal is written with: quoted strings, strings (quoted or literal), literal and literal8
// announcements (RFC 3516 §4.2), and response text. Pure. Production and the property test in
// test/unit/imap/protocol/tokens.test.ts call these same functions.
// Always true: a string is written quoted only when every character is legal inside a quoted string
// (no CR, LF or NUL; 8-bit only when UTF8=ACCEPT is enabled, RFC 6855 §3), otherwise as a literal
// counted in UTF-8 bytes, so whatever a caller passes a parser reads back as the same bytes.
// ENVELOPE and BODYSTRUCTURE are not written here: they are stored at delivery as src/mime made them.

/** Longest string we write quoted; longer ones go as literals, which clients read faster. */
const MAX_QUOTED = 1024;

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

/** `s` as IMAP `string` (§9): quoted when it can be, else a literal of its UTF-8, inline. */
export function imapString(s: string, utf8 = false): string {
  return quoted(s, utf8) ?? `${literalPrefix(Buffer.byteLength(s, 'utf8'))}${s}`;
}

/** The announcement before `size` literal bytes: `{n}` CRLF, or `~{n}` CRLF for a literal8. */
export function literalPrefix(size: number, literal8 = false): string {
  return `${literal8 ? '~' : ''}{${size}}\r\n`;
}

/** RFC 3516 §4.2: data with NUL, or with CR or LF not in a CRLF pair, goes out as a literal8. */
export function needsLiteral8(data: Buffer): boolean {
  for (let i = 0; i < data.length; i++) {
    const c = data[i]!;
    if (c === 0) return true;
    if (c === 13 && data[i + 1] !== 10) return true;
    if (c === 10 && data[i - 1] !== 13) return true;
  }
  return false;
}

/** Text that may follow a response code: no CR/LF (RFC 3501 §9 `text`). */
export function responseText(s: string): string {
  return s.replace(/[\r\n\0]+/g, ' ');
}
