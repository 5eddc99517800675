// The header section of a CRLF message as a list of fields, for the code that signs and fixes up
// submitted mail, built on the one header splitter (src/mime/header-fields.ts). Always true: `raw`
// is the field exactly as received (continuation lines included, without the final CRLF), so
// joining the fields with CRLF rebuilds the header section; `body` is everything after it.
import { splitHeaderFields } from '../mime/header-fields.ts';

export interface HeaderField {
  /** Lowercased field name. */
  name: string;
  raw: string;
}

/**
 * Splits a CRLF message into its header fields (each with continuation lines, no final CRLF) and
 * body. `separated` is false when the body begins at a line that is not a field, with no empty line.
 */
export function splitMessage(message: Buffer): { fields: HeaderField[]; body: Buffer; separated: boolean } {
  const { fields, bodyStart, separated } = splitHeaderFields(message);
  return {
    fields: fields.map((f) => ({ name: f.name, raw: message.toString('latin1', f.start, f.end).replace(/\r?\n$/, '') })),
    body: message.subarray(bodyStart),
    separated,
  };
}

/** The unfolded value of a field: everything after the colon, continuation CRLFs removed. */
export function fieldValue(field: HeaderField): string {
  return field.raw.slice(field.raw.indexOf(':') + 1).replace(/\r\n/g, '').trim();
}
