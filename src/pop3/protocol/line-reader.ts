// Splits the bytes a POP3 client sends into command lines, never holding more than the line limit.
// Always true: a line longer than the limit is reported once as `overlong` and the rest of it, up to
// its LF, is discarded without being buffered; lines come out without their CRLF (a bare LF is
// accepted as a line end, as every POP3 server in use does).

export type LineEvent = { kind: 'line'; line: string } | { kind: 'overlong' };

const LF = 0x0a;
const CR = 0x0d;

export class LineReader {
  readonly #maxLength: number;
  #pending: Buffer[] = [];
  #pendingLength = 0;
  #discarding = false;
  #events: LineEvent[] = [];

  /** maxLength counts the CRLF, as RFC 2449 §4 counts command lines. */
  constructor(maxLength: number) {
    this.#maxLength = maxLength;
  }

  /** Feeds bytes in; complete lines become available through next(). */
  push(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      const nl = chunk.indexOf(LF, pos);
      const end = nl === -1 ? chunk.length : nl;
      if (this.#discarding) {
        if (nl !== -1) this.#discarding = false;
      } else {
        this.#pending.push(chunk.subarray(pos, end));
        this.#pendingLength += end - pos;
        // +2 for the CRLF the limit counts; a line that already reaches the limit can never end in time.
        const withoutCr = this.#pendingLength - (nl !== -1 && this.#endsWithCr() ? 1 : 0);
        if (withoutCr + 2 > this.#maxLength) {
          this.#reset();
          this.#events.push({ kind: 'overlong' });
          this.#discarding = nl === -1;
        } else if (nl !== -1) {
          const line = Buffer.concat(this.#pending, this.#pendingLength);
          this.#reset();
          const text = line.length > 0 && line[line.length - 1] === CR ? line.subarray(0, line.length - 1) : line;
          this.#events.push({ kind: 'line', line: text.toString('utf8') });
        }
      }
      pos = nl === -1 ? chunk.length : nl + 1;
    }
  }

  /** The next complete line or overlong report, or undefined when more input is needed. */
  next(): LineEvent | undefined {
    return this.#events.shift();
  }

  /** Drops everything received but not yet consumed: RFC 2595 §4 forbids acting on commands
   * that were pipelined before the TLS negotiation (they were sent in the clear). */
  clear(): void {
    this.#reset();
    this.#events = [];
    this.#discarding = false;
  }

  /** Complete lines (and overlong reports) waiting to be consumed. */
  get pending(): number {
    return this.#events.length;
  }

  /** Bytes held for an unfinished line (never more than the limit). */
  get buffered(): number {
    return this.#pendingLength;
  }

  #endsWithCr(): boolean {
    for (let i = this.#pending.length - 1; i >= 0; i--) {
      const part = this.#pending[i]!;
      if (part.length > 0) return part[part.length - 1] === CR;
    }
    return false;
  }

  #reset(): void {
    this.#pending = [];
    this.#pendingLength = 0;
  }
}
