// IMAP string forms for ENVELOPE and BODYSTRUCTURE (RFC 3501 §4.3, §4.5,
// §9 grammar: nstring = string / nil, string = quoted / literal).
// Invariant: the output is always one syntactically valid IMAP nstring.

// Longer values go out as literals: quoted strings are meant for short text,
// and some clients cap the length of a quoted string they will read.
const QUOTED_MAX = 1024;
const NEEDS_ESCAPE = /["\\]/;
const NOT_QUOTABLE = /[\r\n\u007f-\uffff]/;

/** A quoted string when RFC 3501 quoted allows it, otherwise a literal counted in UTF-8 bytes. */
export function imapString(value: string): string {
  // NUL is not allowed in either form (RFC 3501 §4.3 CHAR8 excludes it).
  const v = value.includes('\0') ? value.replaceAll('\0', '') : value;
  // RFC 3501 §9: QUOTED-CHAR is any TEXT-CHAR (7-bit, no CR/LF) with " and \ escaped.
  const quotable = v.length <= QUOTED_MAX && !NOT_QUOTABLE.test(v);
  if (!quotable) return `{${Buffer.byteLength(v, 'utf8')}}\r\n${v}`;
  return '"' + (NEEDS_ESCAPE.test(v) ? v.replace(/["\\]/g, '\\$&') : v) + '"';
}

/** nstring: NIL for null. */
export function imapNString(value: string | null): string {
  return value === null ? 'NIL' : imapString(value);
}
