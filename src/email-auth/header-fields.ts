// The header section of a CRLF message as a list of fields, for the code that signs and fixes up
// submitted mail. Always true: `raw` is the field exactly as received (continuation lines
// included, without the final CRLF), so joining the fields with CRLF rebuilds the header section.

export interface HeaderField {
  /** Lowercased field name. */
  name: string;
  raw: string;
}

/** Splits a CRLF message into its header fields (each with continuation lines, no final CRLF) and body. */
export function splitMessage(message: Buffer): { fields: HeaderField[]; body: Buffer } {
  let end = message.indexOf('\r\n\r\n');
  let bodyStart: number;
  if (message.subarray(0, 2).toString() === '\r\n') { end = 0; bodyStart = 2; }
  else if (end < 0) { end = message.length; bodyStart = message.length; }
  else { bodyStart = end + 4; }
  const head = message.subarray(0, end).toString('latin1');
  const fields: HeaderField[] = [];
  for (const line of head.split('\r\n')) {
    if (line === '') continue;
    if ((line[0] === ' ' || line[0] === '\t') && fields.length > 0) fields[fields.length - 1]!.raw += '\r\n' + line;
    else fields.push({ name: line.slice(0, Math.max(0, line.indexOf(':'))).trim().toLowerCase(), raw: line });
  }
  return { fields, body: message.subarray(bodyStart) };
}

/** The unfolded value of a field: everything after the colon, continuation CRLFs removed. */
export function fieldValue(field: HeaderField): string {
  return field.raw.slice(field.raw.indexOf(':') + 1).replace(/\r\n/g, '').trim();
}
