// The Sieve grammar (RFC 5228 §8.2) over the lexer's tokens: commands with arguments, an optional
// test or test list, and a block or ";". Always true: the parser is recursive only through blocks
// and test lists, whose depth is capped by SIEVE_MAX_NESTING before it recurses, so a hostile
// script cannot exhaust the stack; errors carry the position of the token that broke the grammar.
import { SIEVE_MAX_NESTING, SIEVE_MAX_SCRIPT_BYTES } from '../limits.ts';
import { SieveSyntaxError } from './errors.ts';
import { tokenize, type Position, type Token } from './lexer.ts';

export type Argument =
  | { kind: 'tag'; name: string; pos: Position }
  | { kind: 'number'; value: number; pos: Position }
  | { kind: 'string'; value: string; pos: Position }
  | { kind: 'list'; values: string[]; pos: Position };

export interface TestNode { name: string; args: Argument[]; tests: TestNode[]; pos: Position }

export interface CommandNode {
  name: string;
  args: Argument[];
  tests: TestNode[];
  /** The block of an if/elsif/else; null for a command ended by ";". */
  block: CommandNode[] | null;
  pos: Position;
}

export function parseScript(script: string): CommandNode[] {
  if (Buffer.byteLength(script, 'utf8') > SIEVE_MAX_SCRIPT_BYTES) {
    throw new SieveSyntaxError(`script larger than ${SIEVE_MAX_SCRIPT_BYTES} bytes`, { line: 1, column: 1 });
  }
  const tokens = tokenize(script);
  let at = 0;
  const peek = (): Token => tokens[at]!;
  const next = (): Token => tokens[at++]!;
  const describe = (t: Token): string => t.kind === 'eof' ? 'the end of the script' : t.kind === 'punct' ? `"${t.value}"` : `${t.kind} ${JSON.stringify(t.value)}`;
  const expectPunct = (value: string, what: string): Token => {
    const t = next();
    if (t.kind !== 'punct' || t.value !== value) throw new SieveSyntaxError(`expected ${what}, found ${describe(t)}`, t.pos);
    return t;
  };
  const isPunct = (t: Token, value: string) => t.kind === 'punct' && t.value === value;

  function commands(depth: number, inBlock: boolean): CommandNode[] {
    const out: CommandNode[] = [];
    for (;;) {
      const t = peek();
      if (t.kind === 'eof') {
        if (inBlock) throw new SieveSyntaxError('expected "}" to close the block, found the end of the script', t.pos);
        return out;
      }
      if (inBlock && isPunct(t, '}')) return out;
      if (t.kind !== 'identifier') throw new SieveSyntaxError(`expected a command, found ${describe(t)}`, t.pos);
      next();
      const { args, tests } = argumentsOf(depth);
      const end = next();
      if (isPunct(end, ';')) out.push({ name: t.value, args, tests, block: null, pos: t.pos });
      else if (isPunct(end, '{')) {
        if (depth + 1 > SIEVE_MAX_NESTING) throw new SieveSyntaxError(`blocks nested deeper than ${SIEVE_MAX_NESTING}`, end.pos);
        const block = commands(depth + 1, true);
        expectPunct('}', '"}"');
        out.push({ name: t.value, args, tests, block, pos: t.pos });
      } else throw new SieveSyntaxError(`expected ";" or "{" after command "${t.value}", found ${describe(end)}`, end.pos);
    }
  }

  function argumentsOf(depth: number): { args: Argument[]; tests: TestNode[] } {
    const args: Argument[] = [];
    for (;;) {
      const t = peek();
      if (t.kind === 'tag') { next(); args.push({ kind: 'tag', name: t.value, pos: t.pos }); continue; }
      if (t.kind === 'number') { next(); args.push({ kind: 'number', value: t.value, pos: t.pos }); continue; }
      if (t.kind === 'string') { next(); args.push({ kind: 'string', value: t.value, pos: t.pos }); continue; }
      if (isPunct(t, '[')) { next(); args.push({ kind: 'list', values: stringList(), pos: t.pos }); continue; }
      break;
    }
    const t = peek();
    if (t.kind === 'identifier') return { args, tests: [test(depth + 1)] };
    if (isPunct(t, '(')) {
      next();
      const tests: TestNode[] = [test(depth + 1)];
      while (isPunct(peek(), ',')) { next(); tests.push(test(depth + 1)); }
      expectPunct(')', '"," or ")" in the test list');
      return { args, tests };
    }
    return { args, tests: [] };
  }

  function stringList(): string[] {
    const values: string[] = [];
    for (;;) {
      const t = next();
      if (t.kind !== 'string') throw new SieveSyntaxError(`expected a string in the string list, found ${describe(t)}`, t.pos);
      values.push(t.value);
      const sep = next();
      if (isPunct(sep, ']')) return values;
      if (!isPunct(sep, ',')) throw new SieveSyntaxError(`expected "," or "]" in the string list, found ${describe(sep)}`, sep.pos);
    }
  }

  function test(depth: number): TestNode {
    const t = next();
    if (t.kind !== 'identifier') throw new SieveSyntaxError(`expected a test, found ${describe(t)}`, t.pos);
    if (depth > SIEVE_MAX_NESTING) throw new SieveSyntaxError(`tests nested deeper than ${SIEVE_MAX_NESTING}`, t.pos);
    const { args, tests } = argumentsOf(depth);
    return { name: t.value, args, tests, pos: t.pos };
  }

  return commands(0, false);
}
