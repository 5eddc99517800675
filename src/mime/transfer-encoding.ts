// Content-Transfer-Encoding decoding (RFC 2045 §6.7 quoted-printable, §6.8
// base64) of body bytes. Lenient and never throws: invalid sequences are
// kept as they are, as RFC 2045 §6.7 note (2) suggests.

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

export function decodeQuotedPrintable(input: Buffer): Buffer {
  const out = Buffer.allocUnsafe(input.length);
  let o = 0;
  const n = input.length;
  for (let i = 0; i < n; i++) {
    const c = input[i];
    if (c === 32 || c === 9) {
      // RFC 2045 §6.7 rule (3): whitespace at the end of an encoded line is padding, not content.
      let j = i;
      while (j < n && (input[j] === 32 || input[j] === 9)) j++;
      if (j === n || input[j] === 10 || (input[j] === 13 && input[j + 1] === 10)) {
        i = j - 1;
        continue;
      }
    }
    if (c !== 61) {
      out[o++] = c;
      continue;
    }
    // "=" then optional trailing whitespace and a line break is a soft line break.
    let j = i + 1;
    while (j < n && (input[j] === 32 || input[j] === 9)) j++;
    if (j < n && input[j] === 13 && input[j + 1] === 10) {
      i = j + 1;
      continue;
    }
    if (j < n && input[j] === 10) {
      i = j;
      continue;
    }
    if (j === n) break;
    const hi = i + 1 < n ? hexValue(input[i + 1]) : -1;
    const lo = i + 2 < n ? hexValue(input[i + 2]) : -1;
    if (hi >= 0 && lo >= 0) {
      out[o++] = hi * 16 + lo;
      i += 2;
    } else {
      out[o++] = c;
    }
  }
  return out.subarray(0, o);
}

/** Decodes per the part's Content-Transfer-Encoding; identity for 7bit, 8bit, binary and unknown. */
export function decodeTransfer(input: Buffer, encoding: string | null): Buffer {
  if (encoding === 'base64') return Buffer.from(input.toString('latin1'), 'base64');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(input);
  return input;
}
