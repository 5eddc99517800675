// The ManageSieve wire format (RFC 5804 §1.2, §4): an incremental reader that turns bytes into
// command lines of atoms and strings (quoted, or literals "{N+}" / "{N}"), and the writers of
// quoted strings, literals and OK/NO/BYE responses. Always true: the reader never touches a socket
// (it is pushed bytes and returns complete lines or "need more"); a line longer than
// MANAGESIEVE_MAX_LINE, a literal over MANAGESIEVE_MAX_LITERAL or too many arguments is an error
// after which the connection must close (the stream can no longer be framed safely).
import { MANAGESIEVE_MAX_ARGUMENTS, MANAGESIEVE_MAX_LINE, MANAGESIEVE_MAX_LITERAL } from '../limits.ts';

export type Token = { kind: 'atom'; value: string } | { kind: 'string'; value: string };

export type ReadResult = { kind: 'line'; tokens: Token[] } | { kind: 'error'; message: string; code?: string };

const CR = 13;
const LF = 10;

export class CommandReader {
  private buffer: Buffer = Buffer.alloc(0);
  /** Bytes the buffer must hold before parsing can make progress (a literal being received). */
  private needed = 0;
  private failed = false;

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
  }

  /** Bytes received but not yet consumed (STARTTLS: anything after it must be dropped). */
  get pending(): number {
    return this.buffer.length;
  }

  discard(): void {
    this.buffer = Buffer.alloc(0);
    this.needed = 0;
  }

  /** The next complete line, an error (then close), or undefined when more bytes are needed. */
  next(): ReadResult | undefined {
    if (this.failed || this.buffer.length < this.needed) return undefined;
    const tokens: Token[] = [];
    let pos = 0;
    const buf = this.buffer;
    let lineStart = 0;
    for (;;) {
      if (tokens.length > MANAGESIEVE_MAX_ARGUMENTS + 1) return this.fail('too many arguments');
      while (pos < buf.length && buf[pos] === 0x20) pos++;
      if (pos - lineStart > MANAGESIEVE_MAX_LINE) return this.fail('line too long');
      if (pos >= buf.length) { this.wait(pos); return undefined; }
      const c = buf[pos]!;
      if (c === CR || c === LF) {
        const end = c === CR ? pos + 1 : pos;
        if (end >= buf.length) { this.wait(end + 1); return undefined; }
        if (buf[end] !== LF) return this.fail('CR without LF');
        this.consume(end + 1);
        return { kind: 'line', tokens };
      }
      if (c === 0x22) {
        // RFC 5804 §4: quoted = DQUOTE *QUOTED-CHAR DQUOTE, with \" and \\ as the only escapes.
        const bytes: number[] = [];
        let i = pos + 1;
        for (;;) {
          if (i >= buf.length) {
            if (i - lineStart > MANAGESIEVE_MAX_LINE) return this.fail('line too long');
            this.wait(i + 1);
            return undefined;
          }
          const b = buf[i]!;
          if (b === 0x22) break;
          if (b === CR || b === LF) return this.fail('line break inside a quoted string');
          if (b === 0x5c) {
            if (i + 1 >= buf.length) { this.wait(i + 2); return undefined; }
            const e = buf[i + 1]!;
            if (e !== 0x22 && e !== 0x5c) return this.fail('bad escape in a quoted string');
            bytes.push(e);
            i += 2;
            continue;
          }
          bytes.push(b);
          i++;
        }
        tokens.push({ kind: 'string', value: Buffer.from(bytes).toString('utf8') });
        pos = i + 1;
        continue;
      }
      if (c === 0x7b) {
        // literal = "{" number [ "+" ] "}" CRLF *OCTET
        const close = buf.indexOf(0x7d, pos);
        if (close < 0) {
          if (buf.length - pos > 32) return this.fail('bad literal');
          this.wait(buf.length + 1);
          return undefined;
        }
        const spec = buf.toString('latin1', pos + 1, close);
        const m = /^(\d{1,10})(\+?)$/.exec(spec);
        if (!m) return this.fail('bad literal');
        const size = Number(m[1]);
        if (size > MANAGESIEVE_MAX_LITERAL) return this.fail(`literal larger than ${MANAGESIEVE_MAX_LITERAL} bytes`, 'QUOTA/MAXSIZE');
        let start = close + 1;
        if (start + 1 >= buf.length) { this.wait(start + 2); return undefined; }
        if (buf[start] === CR) start++;
        if (buf[start] !== LF) return this.fail('a literal must be followed by CRLF');
        start++;
        if (buf.length < start + size) { this.wait(start + size); return undefined; }
        tokens.push({ kind: 'string', value: buf.toString('utf8', start, start + size) });
        pos = start + size;
        lineStart = pos;
        continue;
      }
      let i = pos;
      while (i < buf.length && buf[i] !== 0x20 && buf[i] !== CR && buf[i] !== LF && buf[i] !== 0x22 && buf[i] !== 0x7b) i++;
      if (i >= buf.length) {
        if (i - lineStart > MANAGESIEVE_MAX_LINE) return this.fail('line too long');
        this.wait(i + 1);
        return undefined;
      }
      tokens.push({ kind: 'atom', value: buf.toString('latin1', pos, i) });
      pos = i;
    }
  }

  private wait(bytes: number): void {
    this.needed = bytes;
  }

  private consume(n: number): void {
    this.buffer = this.buffer.subarray(n);
    this.needed = 0;
  }

  private fail(message: string, code?: string): ReadResult {
    this.failed = true;
    return { kind: 'error', message, ...(code ? { code } : {}) };
  }
}

/** A quoted string when it can be one (RFC 5804 §4: no CR, LF or NUL, at most 1024 octets), else a literal. */
export function sieveString(value: string): string {
  if (!/[\r\n\0]/.test(value) && Buffer.byteLength(value) <= 1024) return `"${value.replace(/[\\"]/g, '\\$&')}"`;
  return `{${Buffer.byteLength(value)}}\r\n${value}`;
}

export function literal(value: string): string {
  return `{${Buffer.byteLength(value)}}\r\n${value}`;
}

/** OK / NO / BYE with an optional response code (RFC 5804 §1.3) and human-readable text. */
export function response(kind: 'OK' | 'NO' | 'BYE', text?: string, code?: string): string {
  return `${kind}${code ? ` (${code})` : ''}${text !== undefined ? ` ${sieveString(text)}` : ''}\r\n`;
}
