// IMAP BODYSTRUCTURE and BODY (RFC 3501 §7.4.2, §9 body grammar) from a part
// tree. Invariant: the output matches the `body` rule; multiparts always have
// at least one child because the tree builder makes childless ones opaque.
import libmime from 'libmime';
import { envelopeOf } from './envelope.ts';
import { readHeaderBlock } from './header-block.ts';
import { imapNString, imapString } from './imap-string.ts';
import type { MimePart } from './types.ts';

// Decoded RFC 2231 values may be non-ASCII. They go out as an RFC 2047
// encoded word, as other servers do, so that the structure stays 7-bit and
// clients that decode filenames see the right text.
function paramValue(v: string): string {
  if (!/[^\x00-\x7e]/.test(v)) return imapString(v);
  try {
    return imapString(libmime.encodeWord(v, 'B'));
  } catch {
    return imapString(v);
  }
}

function paramList(params: [string, string][]): string {
  if (params.length === 0) return 'NIL';
  return '(' + params.map(([k, v]) => `${imapString(k)} ${paramValue(v)}`).join(' ') + ')';
}

function dispositionOf(part: MimePart): string {
  const d = part.disposition;
  return d === null ? 'NIL' : `(${imapString(d.type)} ${paramList(d.params)})`;
}

function languageOf(part: MimePart): string {
  const l = part.language;
  return l === null ? 'NIL' : '(' + l.map(imapString).join(' ') + ')';
}

function isMessage(part: MimePart): boolean {
  return part.message !== null;
}

/** body-fields: params id description encoding octets (RFC 3501 §9). */
function bodyFields(part: MimePart): string {
  // RFC 2045 §5.2: a text part without a charset parameter is us-ascii; say so,
  // as RFC 3501's own examples do, so clients need not know the default.
  const params: [string, string][] =
    part.type === 'text' && !part.params.some(([k]) => k === 'charset') ? [['charset', 'us-ascii'], ...part.params] : part.params;
  return [
    paramList(params),
    imapNString(part.id),
    imapNString(part.description),
    // RFC 2045 §6.1: the default transfer encoding is 7BIT.
    imapString(part.encoding ?? '7bit'),
    String(part.end - part.bodyStart),
  ].join(' ');
}

/** BODYSTRUCTURE when `extended`, else the non-extensible BODY form. */
export function bodyStructureOf(raw: Buffer, part: MimePart, extended: boolean): string {
  if (part.children.length > 0) {
    let out = '(';
    for (const child of part.children) out += bodyStructureOf(raw, child, extended);
    out += ' ' + imapString(part.subtype);
    if (extended) {
      // body-ext-mpart: params, disposition, language, location.
      out += ` ${paramList(part.params)} ${dispositionOf(part)} ${languageOf(part)} ${imapNString(part.location)}`;
    }
    return out + ')';
  }
  let out = `(${imapString(part.type)} ${imapString(part.subtype)} ${bodyFields(part)}`;
  if (isMessage(part)) {
    const inner = part.message as MimePart;
    const header = readHeaderBlock(raw, inner.headerStart, inner.end);
    // body-type-msg: envelope, body of the encapsulated message, lines.
    out += ` ${envelopeOf(raw, header.fields)} ${bodyStructureOf(raw, inner, extended)} ${part.lines}`;
  } else if (part.type === 'text') {
    out += ` ${part.lines}`;
  }
  if (extended) {
    // body-ext-1part: md5, disposition, language, location.
    out += ` ${imapNString(part.md5)} ${dispositionOf(part)} ${languageOf(part)} ${imapNString(part.location)}`;
  }
  return out + ')';
}
