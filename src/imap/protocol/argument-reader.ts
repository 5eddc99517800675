// A cursor over a command's argument tokens with typed readers (atom, astring, number, list, flags,
// sequence set, mailbox). Pure; every reader throws ImapSyntaxError on a mismatch.
// Always true: a reader either consumes exactly the token it returns or throws, and `end()` is the
// only way a command parser accepts that no arguments remain.

import { ImapSyntaxError, type Token } from './tokens.ts';
import { MAX_NZ_NUMBER, parseSequenceSet, type SequenceSet } from './sequence-set.ts';
import { decodeMailboxName, UNDECODABLE_NAME } from './mailbox-name-encoding.ts';

/** Largest mod-sequence we represent: what a JS number holds exactly (RFC 7162 allows 2^63-1). */
export const MAX_MODSEQ = Number.MAX_SAFE_INTEGER;

const SYSTEM_FLAGS = new Map(['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft', '\\Recent'].map((f) => [f.toLowerCase(), f]));
// RFC 3501 §9: flag-keyword = atom; atom-specials include ( ) { SP CTL % * " \ ].
const KEYWORD_RE = /^[^\x00-\x20\x7f-\xff(){%*"\\\]]+$/;

export class ArgumentReader {
  private readonly tokens: Token[];
  private i = 0;

  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }

  more(): boolean {
    return this.i < this.tokens.length;
  }

  remaining(): number {
    return this.tokens.length - this.i;
  }

  peek(): Token | undefined {
    return this.tokens[this.i];
  }

  /** The next token's upper-cased text when it is an atom. */
  peekAtom(): string | undefined {
    const t = this.tokens[this.i];
    return t && t.type === 'atom' ? t.value.toUpperCase() : undefined;
  }

  peekList(): boolean {
    return this.tokens[this.i]?.type === 'list';
  }

  next(what: string): Token {
    const t = this.tokens[this.i];
    if (!t) throw new ImapSyntaxError(`Missing ${what}`);
    this.i++;
    return t;
  }

  end(): void {
    if (this.i < this.tokens.length) throw new ImapSyntaxError('Too many arguments');
  }

  atom(what = 'argument'): string {
    const t = this.next(what);
    if (t.type !== 'atom') throw new ImapSyntaxError(`Invalid ${what}`);
    return t.value;
  }

  /** RFC 3501 astring: an atom or a string, as UTF-8 text. */
  astring(what = 'argument'): string {
    return this.astringBytes(what).toString('utf8');
  }

  astringBytes(what = 'argument'): Buffer {
    const t = this.next(what);
    if (t.type === 'string') return t.value;
    if (t.type === 'atom' && !/[%*]/.test(t.value)) return Buffer.from(t.value, 'latin1');
    throw new ImapSyntaxError(`Invalid ${what}`);
  }

  /** RFC 3501 string (quoted or literal), as bytes. */
  string(what = 'string'): Buffer {
    const t = this.next(what);
    if (t.type !== 'string') throw new ImapSyntaxError(`Invalid ${what}`);
    return t.value;
  }

  /** RFC 3501 number: 0..4294967295. */
  number(what = 'number'): number {
    const text = this.atom(what);
    if (!/^\d{1,10}$/.test(text) || Number(text) > MAX_NZ_NUMBER) throw new ImapSyntaxError(`Invalid ${what}`);
    return Number(text);
  }

  nzNumber(what = 'number'): number {
    const n = this.number(what);
    if (n === 0) throw new ImapSyntaxError(`Invalid ${what}`);
    return n;
  }

  /** RFC 7162 mod-sequence-value (or mod-sequence-valzer when zeroAllowed): up to 2^63-1 on the
   *  wire. Values above what a JS number holds exactly are clamped to MAX_MODSEQ; Postern never hands
   *  out such values, so "changed since" / "unchanged since" answer the same either way. */
  modseq(what = 'mod-sequence', zeroAllowed = true): number {
    const text = this.atom(what);
    if (!/^\d{1,19}$/.test(text) || BigInt(text) > 0x7fffffffffffffffn) throw new ImapSyntaxError(`Invalid ${what}`);
    const n = Math.min(Number(text), MAX_MODSEQ);
    if (n === 0 && !zeroAllowed) throw new ImapSyntaxError(`Invalid ${what}`);
    return n;
  }

  list(what = 'list'): ArgumentReader {
    const t = this.next(what);
    if (t.type !== 'list') throw new ImapSyntaxError(`Invalid ${what}`);
    return new ArgumentReader(t.items);
  }

  sequenceSet(what = 'sequence set'): SequenceSet {
    return parseSequenceSet(this.atom(what));
  }

  /** A mailbox name (RFC 3501 §5.1): INBOX in any case is INBOX; modified UTF-7 is decoded unless
   *  UTF8=ACCEPT is enabled (RFC 6855 §3: names are then UTF-8 on the wire). */
  mailbox(utf8: boolean): string {
    const raw = this.astringBytes('mailbox name');
    return decodeMailboxArgument(raw, utf8);
  }

  /** A flag list "(\Seen foo)" or, where allowed (STORE), flags without parentheses. */
  flags(allowBare: boolean): string[] {
    if (this.peekList()) return readFlags(this.list('flag list'));
    if (!allowBare) throw new ImapSyntaxError('Invalid flag list');
    const flags: string[] = [];
    while (this.more()) flags.push(flag(this.atom('flag')));
    return flags;
  }
}

function readFlags(r: ArgumentReader): string[] {
  const flags: string[] = [];
  while (r.more()) flags.push(flag(r.atom('flag')));
  return flags;
}

/** Canonical spelling of a flag: system flags in their RFC case, keywords as sent. */
export function flag(text: string): string {
  if (text.startsWith('\\')) {
    const system = SYSTEM_FLAGS.get(text.toLowerCase());
    if (!system || system === '\\Recent') throw new ImapSyntaxError(`Invalid flag ${text}`);
    return system;
  }
  if (!KEYWORD_RE.test(text)) throw new ImapSyntaxError('Invalid flag');
  return text;
}

/** A mailbox name argument as a name. One that does not decode is not a syntax error but a name no
 *  mailbox has (answered NO, and matching nothing as a LIST pattern): it comes back marked with
 *  UNDECODABLE_NAME, which no stored name contains. */
export function decodeMailboxArgument(raw: Buffer, utf8: boolean): string {
  let name: string;
  if (utf8) {
    name = raw.toString('utf8');
    if (!Buffer.from(name, 'utf8').equals(raw)) return UNDECODABLE_NAME + raw.toString('latin1');
  } else {
    const decoded = decodeMailboxName(raw.toString('latin1'));
    if (decoded === null) return UNDECODABLE_NAME + raw.toString('latin1');
    name = decoded;
  }
  // RFC 3501 §5.1: INBOX is case-insensitive.
  return name.toUpperCase() === 'INBOX' ? 'INBOX' : name;
}
