// The header section of a CRLF message as a list of fields, for the code that signs and fixes up
// submitted mail, built on the byte-offset splitter in src/smtp/header-fields.ts. Always true:
// `raw` is the field exactly as received (continuation lines included, without the final CRLF),
// so joining the fields with CRLF rebuilds the header section.
import { splitHeaderFields } from '../mime/header-fields.ts';

export interface HeaderField {
  /** Lowercased field name. */
  name: string;
  raw: string;
}

/** Splits a CRLF message into its header fields (each with continuation lines, no final CRLF) and body. */
export function splitMessage(message: Buffer): { fields: HeaderField[]; body: Buffer } {
  const { fields, headerEnd } = splitHeaderFields(message);
  // The body starts after the empty line that ends the header section, when there is one.
  const bodyStart = headerEnd >= message.length ? message.length : message[headerEnd] === 0x0d ? headerEnd + 2 : headerEnd + 1;
  return {
    fields: fields.map((f) => ({ name: f.name.toLowerCase(), raw: message.toString('latin1', f.start, f.end).replace(/\r?\n$/, '') })),
    body: message.subarray(bodyStart),
  };
}

/** The unfolded value of a field: everything after the colon, continuation CRLFs removed. */
export function fieldValue(field: HeaderField): string {
  return field.raw.slice(field.raw.indexOf(':') + 1).replace(/\r\n/g, '').trim();
}
