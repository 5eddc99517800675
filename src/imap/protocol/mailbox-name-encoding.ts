// Modified UTF-7 for mailbox names (RFC 3501 §5.1.3): encoding and strict decoding. Pure.
// Always true: decode(encode(s)) === s for every string of well-formed UTF-16, and decode accepts only
// the canonical encoding (so one name has one wire form): printable ASCII is never base64-encoded,
// "&" is always "&-", base64 runs are never adjacent, padding bits are zero, surrogates are paired.
import { imapString } from './response-writer.ts';

/** Leads a name argument that is not valid modified UTF-7 (or UTF-8): NUL is in no stored name. */
export const UNDECODABLE_NAME = '\u0000';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,';
const B64_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_VALUE[B64.charCodeAt(i)] = i;

function isDirect(c: number): boolean {
  return c >= 0x20 && c <= 0x7e;
}

export function encodeMailboxName(name: string): string {
  let out = '';
  let i = 0;
  while (i < name.length) {
    const c = name.charCodeAt(i);
    if (isDirect(c)) {
      out += c === 0x26 ? '&-' : name[i];
      i++;
      continue;
    }
    let j = i;
    while (j < name.length && !isDirect(name.charCodeAt(j))) j++;
    out += '&' + base64Utf16(name.slice(i, j)) + '-';
    i = j;
  }
  return out;
}

function base64Utf16(s: string): string {
  let out = '';
  let bits = 0;
  let nbits = 0;
  for (let i = 0; i < s.length; i++) {
    bits = (bits << 16) | s.charCodeAt(i);
    nbits += 16;
    while (nbits >= 6) {
      nbits -= 6;
      out += B64[(bits >> nbits) & 0x3f];
    }
    bits &= (1 << nbits) - 1;
  }
  if (nbits > 0) out += B64[(bits << (6 - nbits)) & 0x3f];
  return out;
}

/** Decodes a modified UTF-7 name; null when the input is not canonical modified UTF-7. */
export function decodeMailboxName(wire: string): string | null {
  let out = '';
  let i = 0;
  let lastWasBase64 = false;
  while (i < wire.length) {
    const c = wire.charCodeAt(i);
    if (!isDirect(c)) return null;
    if (c !== 0x26) {
      out += wire[i];
      i++;
      lastWasBase64 = false;
      continue;
    }
    const end = wire.indexOf('-', i + 1);
    if (end < 0) return null;
    if (end === i + 1) {
      out += '&';
      i = end + 1;
      lastWasBase64 = false;
      continue;
    }
    if (lastWasBase64) return null; // RFC 3501 §5.1.3: "&U,BTFw-&ZeVnLIqe-" is not permitted
    const run = decodeRun(wire.slice(i + 1, end));
    if (run === null) return null;
    out += run;
    i = end + 1;
    lastWasBase64 = true;
  }
  return out;
}

function decodeRun(b64: string): string | null {
  let bits = 0;
  let nbits = 0;
  const units: number[] = [];
  for (let k = 0; k < b64.length; k++) {
    const code = b64.charCodeAt(k);
    const v = code < 128 ? B64_VALUE[code]! : -1;
    if (v < 0) return null;
    bits = ((bits << 6) | v) & 0xffffff;
    nbits += 6;
    if (nbits >= 16) {
      nbits -= 16;
      units.push((bits >> nbits) & 0xffff);
    }
  }
  if (nbits >= 6 || (bits & ((1 << nbits) - 1)) !== 0) return null;
  if (units.length === 0) return null;
  for (let k = 0; k < units.length; k++) {
    const u = units[k]!;
    if (isDirect(u)) return null; // printable ASCII must be sent as itself
    if (u >= 0xd800 && u <= 0xdbff) {
      const next = units[k + 1];
      if (next === undefined || next < 0xdc00 || next > 0xdfff) return null;
      k++;
    } else if (u >= 0xdc00 && u <= 0xdfff) {
      return null;
    }
  }
  return String.fromCharCode(...units);
}

/** A mailbox name as a response argument: modified UTF-7 (or UTF-8 after ENABLE UTF8=ACCEPT,
 *  RFC 6855 §3), quoted, or a literal when it cannot be quoted (the modified UTF-7 form is ASCII). */
export function mailboxNameOnWire(name: string, utf8: boolean): string {
  const text = utf8 ? name : encodeMailboxName(name);
  return imapString(text, utf8);
}
