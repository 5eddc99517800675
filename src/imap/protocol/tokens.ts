// Splits a framed IMAP command into its tag, name and a tree of argument tokens (atoms, strings,
// parenthesized lists). Pure; it throws ImapSyntaxError (answered with tagged BAD) and nothing else.
// Always true: nesting never exceeds the configured depth, and every literal the framer read is
// consumed exactly at the position of its announcement.

import { IMAP_MAX_NESTING_DEPTH } from '../../limits.ts';
import type { FramedCommand } from './command-framer.ts';

export type Token =
  /** An atom, number, NIL, flag (`\Seen`), or a fetch item with its bracketed section kept raw
   *  (`BODY.PEEK[HEADER.FIELDS (From)]<0.10>`); `value` is the text exactly as sent. */
  | { type: 'atom'; value: string }
  | { type: 'string'; value: Buffer; literal: boolean }
  | { type: 'list'; items: Token[] };

export interface ParsedCommand {
  tag: string;
  /** Upper-cased command name; for `UID FETCH` this is FETCH and `uid` is true. */
  name: string;
  uid: boolean;
  args: Token[];
}

/** A syntax error: answered with tagged BAD (or untagged BAD when the tag itself is unusable). */
export class ImapSyntaxError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code?: string) {
    super(message);
    this.name = 'ImapSyntaxError';
    this.code = code;
  }
}

const SP = 0x20;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;
const LPAREN = 0x28;
const RPAREN = 0x29;
const LBRACE = 0x7b;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const TILDE = 0x7e;

function isAtomByte(b: number): boolean {
  // RFC 3501 §9 ATOM-CHAR, widened with list-wildcards and "]" so LIST patterns and flags
  // such as \* parse as atoms; the command that reads the atom decides what it may hold.
  return b > SP && b < 0x7f && b !== LPAREN && b !== RPAREN && b !== LBRACE && b !== DQUOTE;
}

/** Reads tokens from a framed command, line by line, taking literals where they were announced. */
class TokenReader {
  private line = 0;
  private pos = 0;
  private readonly cmd: FramedCommand;
  private readonly maxDepth: number;

  constructor(cmd: FramedCommand, maxDepth: number, start: number) {
    this.cmd = cmd;
    this.maxDepth = maxDepth;
    this.pos = start;
  }

  readAll(): Token[] {
    const tokens = this.readSequence(0);
    if (!this.atEnd()) throw new ImapSyntaxError('Unexpected data after command');
    return tokens;
  }

  private get buf(): Buffer {
    return this.cmd.lines[this.line]!;
  }

  atEnd(): boolean {
    return this.pos >= this.buf.length && this.line >= this.cmd.lines.length - 1;
  }

  /** Reads the space-separated tokens up to the end of the command or the closing paren. */
  readSequence(depth: number): Token[] {
    const out: Token[] = [];
    for (;;) {
      if (this.pos >= this.buf.length) {
        if (depth > 0) throw new ImapSyntaxError('Missing )');
        return out;
      }
      const b = this.buf[this.pos]!;
      if (b === RPAREN) {
        if (depth === 0) throw new ImapSyntaxError('Unexpected )');
        this.pos++;
        return out;
      }
      if (out.length > 0) {
        if (b !== SP) throw new ImapSyntaxError('Expected space between arguments');
        this.pos++;
        if (this.pos >= this.buf.length) {
          if (this.line >= this.cmd.lines.length - 1) throw new ImapSyntaxError('Trailing space');
        }
      }
      out.push(this.readToken(depth));
    }
  }

  private readToken(depth: number): Token {
    const buf = this.buf;
    const b = buf[this.pos];
    if (b === undefined) throw new ImapSyntaxError('Missing argument');
    if (b === LPAREN) {
      if (depth + 1 > this.maxDepth) throw new ImapSyntaxError('Too deeply nested');
      this.pos++;
      return { type: 'list', items: this.readSequence(depth + 1) };
    }
    if (b === DQUOTE) return this.readQuoted();
    if (b === LBRACE || (b === TILDE && buf[this.pos + 1] === LBRACE)) return this.readLiteral();
    return this.readAtom();
  }

  private readQuoted(): Token {
    const buf = this.buf;
    let i = this.pos + 1;
    let start = i;
    const parts: Buffer[] = [];
    for (;;) {
      if (i >= buf.length) throw new ImapSyntaxError('Unterminated quoted string');
      const c = buf[i]!;
      if (c === DQUOTE) break;
      if (c === BACKSLASH) {
        const n = buf[i + 1];
        if (n !== DQUOTE && n !== BACKSLASH) throw new ImapSyntaxError('Invalid escape in quoted string');
        parts.push(buf.subarray(start, i));
        i += 1;
        start = i;
        i += 1;
        continue;
      }
      if (c === 0 || c === 0x0d || c === 0x0a) throw new ImapSyntaxError('Invalid character in quoted string');
      i++;
    }
    parts.push(buf.subarray(start, i));
    this.pos = i + 1;
    return { type: 'string', value: parts.length === 1 ? parts[0]! : Buffer.concat(parts), literal: false };
  }

  private readLiteral(): Token {
    // The framer only ends a line at a literal announcement, so the announcement must be the
    // rest of this line; anything else is a "{" inside an argument.
    const rest = this.buf.subarray(this.pos).toString('latin1');
    if (!/^~?\{\d+\+?\}$/.test(rest) || this.line >= this.cmd.literals.length) {
      throw new ImapSyntaxError('Invalid literal');
    }
    const value = this.cmd.literals[this.line]!;
    const announced = Number(/\d+/.exec(rest)![0]);
    if (announced !== value.length) throw new ImapSyntaxError('Invalid literal');
    this.line++;
    this.pos = 0;
    return { type: 'string', value, literal: true };
  }

  private readAtom(): Token {
    const buf = this.buf;
    const start = this.pos;
    let i = start;
    while (i < buf.length) {
      const c = buf[i]!;
      if (c === LBRACKET) {
        i = this.skipSection(i);
        continue;
      }
      if (!isAtomByte(c)) break;
      i++;
    }
    if (i === start) throw new ImapSyntaxError('Invalid character in command');
    this.pos = i;
    return { type: 'atom', value: buf.toString('latin1', start, i) };
  }

  /** From "[" to its "]": section text may hold spaces, lists and quoted strings. */
  private skipSection(open: number): number {
    const buf = this.buf;
    let i = open + 1;
    let parens = 0;
    while (i < buf.length) {
      const c = buf[i]!;
      if (c === DQUOTE) {
        i++;
        while (i < buf.length && buf[i] !== DQUOTE) i += buf[i] === BACKSLASH ? 2 : 1;
        if (i >= buf.length) throw new ImapSyntaxError('Unterminated quoted string');
      } else if (c === LPAREN) {
        if (++parens > this.maxDepth) throw new ImapSyntaxError('Too deeply nested');
      } else if (c === RPAREN) {
        parens--;
      } else if (c === RBRACKET && parens === 0) {
        return i + 1;
      } else if (c < SP || c >= 0x7f || c === LBRACE) {
        break;
      }
      i++;
    }
    // An unmatched "[" is an ordinary atom character (mailbox names such as "[Gmail]/x" work
    // because those brackets do match; a lone "[" stays part of the atom).
    return open + 1;
  }
}

const TAG_RE = /^[^\x00-\x20\x7f-\xff(){%*"\\+]+$/;

/** Parses a framed command into tag, name and arguments. */
export function parseCommand(cmd: FramedCommand, maxDepth = IMAP_MAX_NESTING_DEPTH): ParsedCommand {
  const first = cmd.lines[0]!;
  const sp = first.indexOf(SP);
  const tag = (sp < 0 ? first : first.subarray(0, sp)).toString('latin1');
  if (!TAG_RE.test(tag)) throw new ImapSyntaxError('Invalid tag');
  if (sp < 0) throw new ImapSyntaxError('Missing command');
  const reader = new TokenReader(cmd, maxDepth, sp + 1);
  const tokens = reader.readAll();
  const head = tokens[0];
  if (!head || head.type !== 'atom' || !/^[A-Za-z]+$/.test(head.value)) throw new ImapSyntaxError('Missing command');
  let name = head.value.toUpperCase();
  let uid = false;
  let args = tokens.slice(1);
  if (name === 'UID') {
    const sub = args[0];
    if (!sub || sub.type !== 'atom' || !/^[A-Za-z]+$/.test(sub.value)) throw new ImapSyntaxError('Missing command after UID');
    uid = true;
    name = sub.value.toUpperCase();
    args = args.slice(1);
  }
  return { tag, name, uid, args };
}

/** Tokenizes arbitrary text with the command grammar (used for section specs inside brackets). */
export function tokenizeText(text: string, maxDepth = IMAP_MAX_NESTING_DEPTH): Token[] {
  return new TokenReader({ lines: [Buffer.from(text, 'latin1')], literals: [] }, maxDepth, 0).readAll();
}
