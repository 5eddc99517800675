// The incremental IMAP command framer: fed bytes, it returns complete commands (their lines and the
// literals between them) or says what it is waiting for. It never touches a socket.
// Always true: no line longer than the line limit and no literal over its limit is ever buffered;
// a refused literal is refused when its announcement arrives, before any of its bytes are read; the
// literals of one command together stay under the command's budget (APPEND: one message plus
// arguments; anything else: maxCommandLiteralBytes), so 1000 literals cannot add up to gigabytes; the
// session's admit() sees every announcement first (state, pre-login size) and can refuse it.

import {
  IMAP_MAX_APPEND_LITERAL,
  IMAP_MAX_ARGUMENT_LITERAL,
  IMAP_MAX_COMMAND_LITERAL_BYTES,
  IMAP_MAX_LINE_LENGTH,
  IMAP_MAX_LITERALS_PER_COMMAND,
} from '../../limits.ts';

/** A complete command: lines[i] (without CRLF) is followed by literals[i] when i < literals.length. */
export interface FramedCommand {
  lines: Buffer[];
  literals: Buffer[];
}

export type FrameResult =
  | { kind: 'command'; command: FramedCommand }
  /** More bytes are needed; `literal` is set while a literal body is being read. */
  | { kind: 'need-more'; literal?: { size: number; remaining: number } }
  /** RFC 3501 §7.5: a synchronizing literal was announced and accepted; answer "+ " (or, after a
   *  check the framer cannot make, such as the account's quota, call refuseLiteral()). */
  | { kind: 'continue'; size: number; tag: string | null; command: string }
  /** The command was refused. `fatal` means answer BYE and close (the client is already sending
   *  bytes we cannot skip safely, e.g. a LITERAL+ literal over the limit, RFC 7888 §4). */
  | { kind: 'error'; tag: string | null; status: 'NO' | 'BAD'; text: string; code?: string; fatal: boolean };

/** What the framer knows when a literal is announced, before reading any of it. */
export interface LiteralAnnouncement {
  tag: string | null;
  /** The command name, upper-case (after UID), or '' when the line does not have one. */
  command: string;
  size: number;
  nonSync: boolean;
  /** Bytes of the literals of this command read so far. */
  bytesSoFar: number;
}

export interface LiteralRefusal {
  status: 'NO' | 'BAD';
  text: string;
  code?: string;
}

export interface FramerLimits {
  maxLineLength: number;
  maxAppendLiteral: number;
  maxArgumentLiteral: number;
  maxLiteralsPerCommand: number;
  /** All literals of one command other than APPEND's message, together. */
  maxCommandLiteralBytes: number;
  /** Asked at each announcement that the size limits allow; a refusal refuses the literal. */
  admit?: (a: LiteralAnnouncement) => LiteralRefusal | null;
}

export const DEFAULT_FRAMER_LIMITS: FramerLimits = {
  maxLineLength: IMAP_MAX_LINE_LENGTH,
  maxAppendLiteral: IMAP_MAX_APPEND_LITERAL,
  maxArgumentLiteral: IMAP_MAX_ARGUMENT_LITERAL,
  maxLiteralsPerCommand: IMAP_MAX_LITERALS_PER_COMMAND,
  maxCommandLiteralBytes: IMAP_MAX_COMMAND_LITERAL_BYTES,
};

const TOO_LARGE: LiteralRefusal = { status: 'NO', text: 'Literal too large', code: 'TOOBIG' };

const LF = 0x0a;
const CR = 0x0d;
// A line ends in a literal announcement: "{123}", "{123+}", or literal8 "~{123}" (RFC 3516/6855).
const LITERAL_AT_END = /~?\{(\d{1,20})(\+?)\}$/;
const TAG_AT_START = /^([^\x00-\x20\x7f-\xff(){%*"\\+]+)(?: |$)/;
const COMMAND_AFTER_TAG = /^[^ ]+ (?:UID )?([A-Za-z]+)/;

export class CommandFramer {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private lines: Buffer[] = [];
  private literals: Buffer[] = [];
  private literalRemaining = -1;
  private literalSize = 0;
  private literalBytes = 0;
  private discardingLine = false;
  private discardTag: string | null = null;
  private readonly limits: FramerLimits;

  constructor(limits: Partial<FramerLimits> = {}) {
    this.limits = { ...DEFAULT_FRAMER_LIMITS, ...limits };
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** Drops every buffered byte and any half-read command (STARTTLS: RFC 3501 §6.2.1 — bytes
   *  pipelined after STARTTLS were sent in clear and must not be acted on). */
  reset(): void {
    this.chunks = [];
    this.buffered = 0;
    this.resetCommand();
    this.discardingLine = false;
  }

  /** Bytes held, for the session's memory accounting. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  next(): FrameResult {
    for (;;) {
      if (this.literalRemaining >= 0) {
        if (this.buffered < this.literalRemaining) {
          return { kind: 'need-more', literal: { size: this.literalSize, remaining: this.literalRemaining - this.buffered } };
        }
        this.literals.push(this.take(this.literalRemaining));
        this.literalRemaining = -1;
        continue;
      }
      if (this.discardingLine) {
        const lf = this.indexOfLF(Infinity);
        if (lf < 0) {
          this.take(this.buffered);
          return { kind: 'need-more' };
        }
        this.take(lf + 1);
        this.discardingLine = false;
        continue;
      }
      const lf = this.indexOfLF(this.limits.maxLineLength + 2);
      if (lf < 0) {
        if (this.buffered > this.limits.maxLineLength + 1) {
          // Refuse now, before buffering the rest; skip bytes up to the end of this line.
          const tag = this.lines.length === 0 ? tagOf(this.peek(256)) : this.firstTag();
          this.take(this.buffered);
          this.resetCommand();
          this.discardingLine = true;
          return { kind: 'error', tag, status: 'BAD', text: 'Line too long', code: 'TOOBIG', fatal: false };
        }
        return { kind: 'need-more' };
      }
      let line = this.take(lf + 1).subarray(0, lf);
      if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
      if (line.length > this.limits.maxLineLength) {
        const tag = this.lines.length === 0 ? tagOf(line) : this.firstTag();
        this.resetCommand();
        return { kind: 'error', tag, status: 'BAD', text: 'Line too long', code: 'TOOBIG', fatal: false };
      }
      if (this.lines.length === 0 && line.length === 0) continue; // stray empty line between commands
      this.lines.push(line);
      const announced = literalAnnouncement(line);
      if (!announced) {
        const command = { lines: this.lines, literals: this.literals };
        this.resetCommand();
        return { kind: 'command', command };
      }
      const tag = this.firstTag();
      const command = this.commandName();
      const refusal = this.sizeRefusal(command, announced.size)
        ?? this.limits.admit?.({ tag, command, size: announced.size, nonSync: announced.nonSync, bytesSoFar: this.literalBytes })
        ?? null;
      if (refusal) {
        this.resetCommand();
        const result = { kind: 'error' as const, tag, status: refusal.status, text: refusal.text, ...(refusal.code ? { code: refusal.code } : {}) };
        if (announced.nonSync) {
          // RFC 7888 §4: the client is sending the literal now; we cannot find the next command.
          this.chunks = [];
          this.buffered = 0;
          return { ...result, fatal: true };
        }
        return { ...result, fatal: false };
      }
      this.literalRemaining = announced.size;
      this.literalSize = announced.size;
      this.literalBytes += announced.size;
      if (!announced.nonSync) return { kind: 'continue', size: announced.size, tag, command };
    }
  }

  /** Drops the synchronizing literal just announced (its "+" was not sent): the command is over,
   *  and the client sends the next one (RFC 3501 §7.5). */
  refuseLiteral(): void {
    this.resetCommand();
  }

  private sizeRefusal(command: string, size: number): LiteralRefusal | null {
    if (this.literals.length >= this.limits.maxLiteralsPerCommand) return TOO_LARGE;
    const budget = command === 'APPEND' ? this.limits.maxAppendLiteral + this.limits.maxCommandLiteralBytes : this.limits.maxCommandLiteralBytes;
    const limit = command === 'APPEND' ? this.limits.maxAppendLiteral : this.limits.maxArgumentLiteral;
    return size > limit || this.literalBytes + size > budget ? TOO_LARGE : null;
  }

  private resetCommand(): void {
    this.lines = [];
    this.literals = [];
    this.literalRemaining = -1;
    this.literalSize = 0;
    this.literalBytes = 0;
  }

  private firstTag(): string | null {
    return this.lines.length > 0 ? tagOf(this.lines[0]!) : null;
  }

  private commandName(): string {
    const first = this.lines[0];
    if (!first) return '';
    const m = COMMAND_AFTER_TAG.exec(first.subarray(0, 64).toString('latin1'));
    return m ? m[1]!.toUpperCase() : '';
  }

  private indexOfLF(maxScan: number): number {
    let offset = 0;
    for (const chunk of this.chunks) {
      const limit = Math.min(chunk.length, maxScan - offset);
      if (limit <= 0) return -1;
      const at = chunk.subarray(0, limit).indexOf(LF);
      if (at >= 0) return offset + at;
      offset += chunk.length;
    }
    return -1;
  }

  private peek(n: number): Buffer {
    const first = this.chunks[0];
    if (first && first.length >= n) return first.subarray(0, n);
    return Buffer.concat(this.chunks).subarray(0, n);
  }

  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const first = this.chunks[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let filled = 0;
      while (filled < n) {
        const chunk = this.chunks[0]!;
        const want = n - filled;
        if (chunk.length <= want) {
          chunk.copy(out, filled);
          filled += chunk.length;
          this.chunks.shift();
        } else {
          chunk.copy(out, filled, 0, want);
          this.chunks[0] = chunk.subarray(want);
          filled += want;
        }
      }
    }
    this.buffered -= n;
    return out;
  }
}

function literalAnnouncement(line: Buffer): { size: number; nonSync: boolean } | null {
  if (line.length < 3 || line[line.length - 1] !== 0x7d /* } */) return null;
  const tail = line.subarray(Math.max(0, line.length - 25)).toString('latin1');
  const m = LITERAL_AT_END.exec(tail);
  if (!m) return null;
  const size = m[1]!.length > 15 ? Number.MAX_SAFE_INTEGER : Number(m[1]);
  return { size, nonSync: m[2] === '+' };
}

/** The tag at the start of a line, if it looks like one (so a refusal can be tagged). */
export function tagOf(line: Buffer): string | null {
  const m = TAG_AT_START.exec(line.subarray(0, 256).toString('latin1'));
  return m ? m[1]! : null;
}
