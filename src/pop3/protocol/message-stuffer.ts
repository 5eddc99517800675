// Turns a stored message, fed in chunks of any size, into the body of a RETR or TOP response.
// Always true: every line leaves with CRLF (a bare LF gets its CR; a final line without an ending
// gets one), a line starting with "." gets a second "." (RFC 1939 §3 byte-stuffing), and `octets`
// counts what the client has once it removes the stuffing, which is the number LIST reports
// (pop3Octets computes the same number without producing output). TOP stops after the header, the
// blank line and n body lines (RFC 1939 §7).

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;
const DOT_BUF = Buffer.from('.');
const CRLF_BUF = Buffer.from('\r\n');
const LF_BUF = Buffer.from('\n');
const TERMINATOR = Buffer.from('.\r\n');

export class MessageStuffer {
  /** Body lines TOP still sends once the header has ended; null means the whole message (RETR). */
  #bodyLinesLeft: number | null;
  #inHeader = true;
  #atLineStart = true;
  #lineBytes = 0;
  #lastWasCr = false;
  #done = false;
  #octets = 0;
  readonly #produce: boolean;

  /** topLines: TOP's n, or null for RETR. produce=false only counts (for LIST sizes). */
  constructor(topLines: number | null, produce = true) {
    this.#bodyLinesLeft = topLines;
    this.#produce = produce;
  }

  /** True once TOP has sent all it will; further input is ignored. */
  get done(): boolean {
    return this.#done;
  }

  /** Unstuffed octets produced so far, including line endings added. */
  get octets(): number {
    return this.#octets;
  }

  /** Returns the pieces to write for this chunk: runs of it that need no change go out as one
   * slice (a clean CRLF message is one piece per chunk), never copied. */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let pos = 0;
    // Start of the bytes passed through unchanged but not yet emitted.
    let run = 0;
    while (pos < chunk.length && !this.#done) {
      if (this.#atLineStart) {
        if (!this.#inHeader && this.#bodyLinesLeft === 0) {
          this.#done = true;
          break;
        }
        if (chunk[pos] === DOT) {
          this.#emit(out, chunk.subarray(run, pos));
          this.#stuffDot(out);
          run = pos;
        }
        this.#atLineStart = false;
      }
      const nl = chunk.indexOf(LF, pos);
      if (nl === -1) {
        this.#lineBytes += chunk.length - pos;
        this.#lastWasCr = chunk[chunk.length - 1] === CR;
        pos = chunk.length;
        break;
      }
      const hasCr = nl > pos ? chunk[nl - 1] === CR : this.#lastWasCr;
      const contentLength = this.#lineBytes + (nl - pos) - (hasCr ? 1 : 0);
      if (!hasCr) {
        this.#emit(out, chunk.subarray(run, nl));
        this.#emit(out, CRLF_BUF);
        run = nl + 1;
      }
      this.#endLine(contentLength === 0);
      pos = nl + 1;
    }
    this.#emit(out, chunk.subarray(run, pos));
    return out;
  }

  /** The closing pieces: a line ending if the message lacked one, then the "." terminator. */
  finish(): Buffer[] {
    const out: Buffer[] = [];
    if (!this.#atLineStart && !this.#done) {
      this.#emit(out, this.#lastWasCr ? LF_BUF : CRLF_BUF);
      this.#atLineStart = true;
    }
    if (this.#produce) out.push(TERMINATOR);
    return out;
  }

  #endLine(empty: boolean): void {
    if (this.#inHeader) {
      // RFC 5322 §2.1: the first empty line ends the header section.
      if (empty) this.#inHeader = false;
    } else if (this.#bodyLinesLeft !== null) {
      this.#bodyLinesLeft--;
    }
    this.#atLineStart = true;
    this.#lineBytes = 0;
    this.#lastWasCr = false;
  }

  /** Message bytes (counted in octets) going out. */
  #emit(out: Buffer[], piece: Buffer): void {
    this.#octets += piece.length;
    if (this.#produce && piece.length > 0) out.push(piece);
  }

  /** RFC 1939 §3 byte-stuffing: the extra "." is not part of the message, so it is not counted. */
  #stuffDot(out: Buffer[]): void {
    if (this.#produce) out.push(DOT_BUF);
  }
}

/** The octet count RETR's response will carry once unstuffed: what LIST and STAT report. */
export function pop3Octets(chunks: Iterable<Buffer>): number {
  const counter = new MessageStuffer(null, false);
  for (const chunk of chunks) counter.push(chunk);
  counter.finish();
  return counter.octets;
}

/** pop3Octets over chunks read from the store one at a time. */
export async function pop3OctetsOf(chunks: AsyncIterable<Buffer>): Promise<number> {
  const counter = new MessageStuffer(null, false);
  for await (const chunk of chunks) counter.push(chunk);
  counter.finish();
  return counter.octets;
}
