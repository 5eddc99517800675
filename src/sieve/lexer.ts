// The Sieve lexer (RFC 5228 §8.1): identifiers, tags, numbers with K/M/G, quoted strings,
// multi-line "text:" strings, punctuation, and both comment forms. Always true: every token carries
// the 1-based line and column where it starts, so every syntax error names a position; the lexer
// reads the whole script once, left to right, with no backtracking (linear in the script size).
import { SieveSyntaxError } from './errors.ts';

export interface Position { line: number; column: number }

export type Token =
  | { kind: 'identifier'; value: string; pos: Position }
  | { kind: 'tag'; value: string; pos: Position }
  | { kind: 'number'; value: number; pos: Position }
  | { kind: 'string'; value: string; pos: Position }
  | { kind: 'punct'; value: '[' | ']' | '(' | ')' | '{' | '}' | ',' | ';'; pos: Position }
  | { kind: 'eof'; pos: Position };

// RFC 5228 §8.1: QUANTIFIER = "K" / "M" / "G" (case-insensitive), powers of 1024.
const QUANTIFIERS: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

export function tokenize(script: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const n = script.length;
  const pos = (at: number): Position => ({ line, column: at - lineStart + 1 });
  const fail = (at: number, message: string): never => { throw new SieveSyntaxError(message, pos(at)); };
  const newline = (at: number) => { line++; lineStart = at + 1; };
  const isAlpha = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
  const isDigit = (c: string) => c >= '0' && c <= '9';

  while (i < n) {
    const c = script[i]!;
    if (c === '\n') { newline(i); i++; continue; }
    if (c === ' ' || c === '\t' || c === '\r') { i++; continue; }
    if (c === '#') {
      while (i < n && script[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && script[i + 1] === '*') {
      const start = i;
      i += 2;
      while (i < n && !(script[i] === '*' && script[i + 1] === '/')) {
        if (script[i] === '\n') newline(i);
        i++;
      }
      if (i >= n) {
        line = 1; lineStart = 0;
        for (let k = 0; k < start; k++) if (script[k] === '\n') newline(k);
        fail(start, 'unterminated bracket comment');
      }
      i += 2;
      continue;
    }
    if ('[](){},;'.includes(c)) {
      tokens.push({ kind: 'punct', value: c as '[', pos: pos(i) });
      i++;
      continue;
    }
    if (c === ':') {
      const start = i;
      i++;
      if (i >= n || !isAlpha(script[i]!)) fail(start, 'a tag must be ":" followed by an identifier');
      const from = i;
      while (i < n && (isAlpha(script[i]!) || isDigit(script[i]!))) i++;
      tokens.push({ kind: 'tag', value: script.slice(from, i).toLowerCase(), pos: pos(start) });
      continue;
    }
    if (isDigit(c)) {
      const start = i;
      while (i < n && isDigit(script[i]!)) i++;
      let value = Number(script.slice(start, i));
      const q = QUANTIFIERS[(script[i] ?? '').toLowerCase()];
      if (q !== undefined) { value *= q; i++; }
      if (i < n && (isAlpha(script[i]!) || isDigit(script[i]!))) fail(i, 'unexpected character after a number');
      // RFC 5228 §2.4.1: implementations must handle numbers up to 2^31 - 1 and may refuse larger.
      if (!Number.isSafeInteger(value)) fail(start, 'number too large');
      tokens.push({ kind: 'number', value, pos: pos(start) });
      continue;
    }
    if (c === '"') {
      const start = pos(i);
      i++;
      let value = '';
      for (;;) {
        if (i >= n) throw new SieveSyntaxError('unterminated quoted string', start);
        const ch = script[i]!;
        if (ch === '"') { i++; break; }
        if (ch === '\\') {
          // RFC 5228 §2.4.2: "\\" and "\"" are the escapes; any other "\x" means "x".
          const next = script[i + 1];
          if (next === undefined) throw new SieveSyntaxError('unterminated quoted string', start);
          if (next === '\n') newline(i + 1);
          value += next;
          i += 2;
          continue;
        }
        if (ch === '\n') newline(i);
        value += ch;
        i++;
      }
      tokens.push({ kind: 'string', value: value.replace(/\r?\n/g, '\r\n'), pos: start });
      continue;
    }
    if (isAlpha(c)) {
      const start = i;
      while (i < n && (isAlpha(script[i]!) || isDigit(script[i]!))) i++;
      const word = script.slice(start, i);
      if (word.toLowerCase() === 'text' && script[i] === ':') {
        const startPos = pos(start);
        i++;
        // RFC 5228 §8.1: "text:" *(SP / HTAB) (hash-comment / CRLF).
        while (i < n && (script[i] === ' ' || script[i] === '\t')) i++;
        if (script[i] === '#') while (i < n && script[i] !== '\n') i++;
        if (script[i] === '\r') i++;
        if (script[i] !== '\n') fail(i, '"text:" must be followed by the end of the line');
        newline(i);
        i++;
        const lines: string[] = [];
        for (;;) {
          if (i >= n) throw new SieveSyntaxError('unterminated multi-line string (a line with a single "." ends it)', startPos);
          let end = script.indexOf('\n', i);
          if (end < 0) end = n;
          let text = script.slice(i, end);
          if (text.endsWith('\r')) text = text.slice(0, -1);
          if (end < n) newline(end);
          i = end + 1;
          if (text === '.') break;
          // Dot-stuffing: a line starting with "." has had one more "." added.
          lines.push(text.startsWith('.') ? text.slice(1) : text);
        }
        tokens.push({ kind: 'string', value: lines.map((l) => l + '\r\n').join(''), pos: startPos });
        continue;
      }
      tokens.push({ kind: 'identifier', value: word.toLowerCase(), pos: pos(start) });
      continue;
    }
    fail(i, `unexpected character ${JSON.stringify(c)}`);
  }
  tokens.push({ kind: 'eof', pos: pos(i) });
  return tokens;
}
