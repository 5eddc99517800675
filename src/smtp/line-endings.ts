// Line-ending discipline for message content received in DATA, applied incrementally to the
// (already dot-unstuffed) stream smtp-server hands us. Always true: the bytes that come out contain
// CR only as part of CRLF and LF only as part of CRLF, unless `bareCr` is set, in which case the
// message must be refused. A bare LF becomes CRLF (what Postfix's `smtpd_forbid_bare_newline =
// normalize` does); a bare CR cannot be given a meaning safely, so it is reported, not guessed at.
// Because smtp-server ends DATA only at <CR><LF>.<CR><LF>, any other "end of data" look-alike
// (<LF>.<LF>, <CR><LF>.<LF>, <LF>.<CR><LF>) stays content here and comes out as an ordinary
// "." line inside the one message: never a second message.

const CR = 0x0d;
const LF = 0x0a;
const CRLF = Buffer.from('\r\n');

export class LineEndingNormalizer {
  /** A CR not followed by LF was seen: the message must be refused. */
  bareCr = false;
  /** How many bare LFs were turned into CRLF. */
  bareLf = 0;
  #pendingCr = false;

  /** Returns the normalized bytes for `chunk` (possibly the chunk itself, unchanged). */
  push(chunk: Buffer): Buffer {
    if (chunk.length === 0) return chunk;
    if (this.#pendingCr && chunk[0] !== LF) this.bareCr = true;
    for (let i = chunk.indexOf(CR); i !== -1 && i + 1 < chunk.length; i = chunk.indexOf(CR, i + 1)) {
      if (chunk[i + 1] !== LF) this.bareCr = true;
    }
    let parts: Buffer[] | null = null;
    let start = 0;
    for (let i = chunk.indexOf(LF); i !== -1; i = chunk.indexOf(LF, i + 1)) {
      const afterCr = i > 0 ? chunk[i - 1] === CR : this.#pendingCr;
      if (afterCr) continue;
      parts ??= [];
      parts.push(chunk.subarray(start, i), CRLF);
      start = i + 1;
      this.bareLf++;
    }
    this.#pendingCr = chunk[chunk.length - 1] === CR;
    if (!parts) return chunk;
    parts.push(chunk.subarray(start));
    return Buffer.concat(parts);
  }

  /** Call once the content is complete: a CR at the very end is bare. */
  end(): void {
    if (this.#pendingCr) this.bareCr = true;
    this.#pendingCr = false;
  }
}
