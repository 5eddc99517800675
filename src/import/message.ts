// The shape every import reader yields, and the line-ending normalisation they share. What must
// always be true: `raw` uses CRLF line endings only (RFC 5322 §2.1, as the store and IMAP serve it),
// and `folder` is a list of decoded names, [] meaning INBOX.

export interface ImportedMessage {
  folder: string[];
  raw: Buffer;
  flags: string[];
  /** Milliseconds since the epoch, when the source records when the message arrived. */
  internalDate?: number;
}

/** Turns bare LF (and lone CR) into CRLF; leaves existing CRLF untouched. */
export function toCrlf(raw: Buffer): Buffer {
  if (!raw.includes(10) && !raw.includes(13)) return raw;
  const out = Buffer.allocUnsafe(raw.length * 2);
  let o = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === 13) {
      out[o++] = 13;
      out[o++] = 10;
      if (raw[i + 1] === 10) i++;
    } else if (c === 10) {
      out[o++] = 13;
      out[o++] = 10;
    } else {
      out[o++] = c;
    }
  }
  return Buffer.from(out.subarray(0, o));
}
