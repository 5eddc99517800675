// Reading the authserv-id of Authentication-Results fields, and removing the ones that claim to be
// ours. Always true: once the fields forgedResults names are removed, no Authentication-Results field
// in the message names our authserv-id, so the only verdict under our name is the one we prepend;
// every other byte of the message is unchanged.
import { fieldsNamed, type HeaderField, type MessageHeader } from '../mime/header-fields.ts';

/**
 * The authserv-id of an Authentication-Results field value (RFC 8601 §2.2: a `value`, token or
 * quoted-string, after optional CFWS). Null when the value does not start with one.
 */
export function authservIdOf(value: string): string | null {
  let i = skipCfws(value, 0);
  if (value[i] === '"') {
    let out = '';
    for (i++; i < value.length; i++) {
      const c = value[i]!;
      if (c === '\\') { out += value[++i] ?? ''; continue; }
      if (c === '"') return out;
      out += c;
    }
    return null;
  }
  // RFC 2045 §5.1 token: anything but SP, CTLs and tspecials; `;` ends the authserv-id.
  const match = /^[^\s()<>@,;:\\"/[\]?=\x00-\x1f\x7f]+/.exec(value.slice(i));
  return match ? match[0] : null;
}

function skipCfws(s: string, i: number): number {
  while (i < s.length) {
    const c = s[i]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') { i++; continue; }
    if (c !== '(') break;
    // RFC 5322 §3.2.2: comments nest and may contain quoted-pairs.
    let depth = 0;
    for (; i < s.length; i++) {
      const d = s[i]!;
      if (d === '\\') { i++; continue; }
      if (d === '(') depth++;
      else if (d === ')' && --depth === 0) { i++; break; }
    }
  }
  return i;
}

/**
 * RFC 8601 §5: a border MTA removes Authentication-Results fields that claim its own authserv-id
 * before adding its own, so a sender cannot forge our verdict. These are they, in message order,
 * for withoutFields. Comparison is case-insensitive because the authserv-id is a host name.
 */
export function forgedResults(raw: Buffer, header: MessageHeader, authservId: string): HeaderField[] {
  const ours = authservId.toLowerCase();
  // Every field a lenient reader could take as header, not only the strict header section: a
  // forged verdict below a line that is not a field must not reach such a reader either.
  return fieldsNamed(header.lenient, 'Authentication-Results').filter((field) => {
    const text = raw.toString('latin1', field.start, field.end);
    const id = authservIdOf(text.slice(text.indexOf(':') + 1));
    return id !== null && id.toLowerCase() === ours;
  });
}
