// Regular expressions for Sieve's :regex (POSIX extended syntax, as the regex draft and Dovecot
// use) and the :matches wildcards (RFC 5228 §2.7.1), compiled to one small VM and run as a Pike VM
// (Thompson's construction with capture slots). Always true: matching takes time linear in the
// text length times the program size, whatever the pattern (no backtracking), the program size is
// capped by SIEVE_REGEX_MAX_PROGRAM, and every thread step is charged to the caller's step budget.
import { SIEVE_REGEX_MAX_PROGRAM } from '../limits.ts';
import { SieveRuntimeError } from './errors.ts';

/** Work left in this run; shared with the interpreter so one budget bounds a whole script. */
export interface StepBudget { steps: number }

type CharTest = (c: string) => boolean;

type Node =
  | { t: 'empty' }
  | { t: 'char'; test: CharTest }
  | { t: 'cat'; items: Node[] }
  | { t: 'alt'; items: Node[] }
  | { t: 'rep'; node: Node; min: number; max: number; greedy: boolean }
  | { t: 'group'; node: Node; index: number }
  | { t: 'bol' }
  | { t: 'eol' };

type Instr =
  | { op: 'char'; test: CharTest }
  | { op: 'split'; x: number; y: number }
  | { op: 'jmp'; x: number }
  | { op: 'save'; n: number }
  | { op: 'bol' }
  | { op: 'eol' }
  | { op: 'match' };

export class RegexSyntaxError extends Error {}

export interface CompiledPattern {
  program: Instr[];
  /** Capture groups besides the whole match. */
  groups: number;
  /** Anchored patterns (:matches) are tried only at position 0. */
  anchored: boolean;
}

/** ASCII case folding for i;ascii-casemap (RFC 4790 §9.2): only A-Z map to a-z. */
export function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

function literal(ch: string, fold: boolean): CharTest {
  if (!fold) return (c) => c === ch;
  const lower = asciiLower(ch);
  return (c) => asciiLower(c) === lower;
}

const ANY: CharTest = () => true;

const POSIX_CLASSES: Record<string, CharTest> = {
  alpha: (c) => /^[A-Za-z]$/.test(c), digit: (c) => c >= '0' && c <= '9', alnum: (c) => /^[A-Za-z0-9]$/.test(c),
  upper: (c) => c >= 'A' && c <= 'Z', lower: (c) => c >= 'a' && c <= 'z', space: (c) => /^[ \t\r\n\v\f]$/.test(c),
  blank: (c) => c === ' ' || c === '\t', punct: (c) => /^[!-/:-@[-`{-~]$/.test(c), xdigit: (c) => /^[0-9A-Fa-f]$/.test(c),
  print: (c) => c >= ' ' && c <= '~', graph: (c) => c > ' ' && c <= '~', cntrl: (c) => c < ' ' || c === '\x7f',
};

/** Parses a POSIX extended regular expression (IEEE 1003.1 §9.4). */
function parseEre(pattern: string, fold: boolean): { node: Node; groups: number } {
  let i = 0;
  let groups = 0;
  const fail = (message: string): never => { throw new RegexSyntaxError(`${message} at offset ${i} of the regular expression`); };

  function alternation(depth: number): Node {
    if (depth > 64) fail('groups nested too deeply');
    const items = [concatenation(depth)];
    while (pattern[i] === '|') { i++; items.push(concatenation(depth)); }
    return items.length === 1 ? items[0]! : { t: 'alt', items };
  }

  function concatenation(depth: number): Node {
    const items: Node[] = [];
    while (i < pattern.length && pattern[i] !== '|' && pattern[i] !== ')') {
      let atom = atomOf(depth);
      for (;;) {
        const q = pattern[i];
        if (q === '*') { i++; atom = { t: 'rep', node: atom, min: 0, max: Infinity, greedy: true }; }
        else if (q === '+') { i++; atom = { t: 'rep', node: atom, min: 1, max: Infinity, greedy: true }; }
        else if (q === '?') { i++; atom = { t: 'rep', node: atom, min: 0, max: 1, greedy: true }; }
        else if (q === '{' && /^\{\d+(,\d*)?\}/.test(pattern.slice(i))) {
          const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i))!;
          i += m[0].length;
          const min = Number(m[1]);
          const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
          // POSIX RE_DUP_MAX is 255.
          if (min > 255 || (max !== Infinity && (max > 255 || max < min))) fail('bad repetition count');
          atom = { t: 'rep', node: atom, min, max, greedy: true };
        } else break;
      }
      items.push(atom);
    }
    return items.length === 0 ? { t: 'empty' } : items.length === 1 ? items[0]! : { t: 'cat', items };
  }

  function atomOf(depth: number): Node {
    const c = pattern[i]!;
    if (c === '(') {
      i++;
      const index = ++groups;
      const node = alternation(depth + 1);
      if (pattern[i] !== ')') fail('missing ")"');
      i++;
      return { t: 'group', node, index };
    }
    if (c === '*' || c === '+' || c === '?') fail('nothing to repeat');
    i++;
    if (c === '.') return { t: 'char', test: ANY };
    if (c === '^') return { t: 'bol' };
    if (c === '$') return { t: 'eol' };
    if (c === '[') return { t: 'char', test: bracket() };
    if (c === '\\') {
      if (i >= pattern.length) fail('trailing backslash');
      return { t: 'char', test: literal(pattern[i++]!, fold) };
    }
    return { t: 'char', test: literal(c, fold) };
  }

  function bracket(): CharTest {
    let negate = false;
    if (pattern[i] === '^') { negate = true; i++; }
    const tests: CharTest[] = [];
    let first = true;
    for (;;) {
      if (i >= pattern.length) fail('missing "]"');
      const c = pattern[i]!;
      if (c === ']' && !first) { i++; break; }
      first = false;
      if (c === '[' && pattern[i + 1] === ':') {
        const end = pattern.indexOf(':]', i + 2);
        if (end < 0) fail('unterminated character class');
        const name = pattern.slice(i + 2, end);
        const test = POSIX_CLASSES[name];
        if (!test) fail(`unknown character class [:${name}:]`);
        tests.push(test!);
        i = end + 2;
        continue;
      }
      i++;
      if (pattern[i] === '-' && pattern[i + 1] !== undefined && pattern[i + 1] !== ']') {
        const hi = pattern[i + 1]!;
        i += 2;
        if (hi < c) fail('bad range in bracket expression');
        tests.push((x) => x >= c && x <= hi);
      } else tests.push((x) => x === c);
    }
    const any = (x: string) => tests.some((t) => t(x));
    const matches = fold ? (x: string) => any(x) || any(x.toLowerCase()) || any(x.toUpperCase()) : any;
    return negate ? (x) => !matches(x) : matches;
  }

  const node = alternation(0);
  if (i < pattern.length) fail('unmatched ")"');
  return { node, groups };
}

/** The :matches wildcards (RFC 5228 §2.7.1): "*" any run (as short as possible, RFC 5229 §3.2), "?" one character, "\" quotes. */
function parseWildcards(pattern: string, fold: boolean): { node: Node; groups: number } {
  const items: Node[] = [{ t: 'bol' }];
  let groups = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') items.push({ t: 'group', index: ++groups, node: { t: 'rep', node: { t: 'char', test: ANY }, min: 0, max: Infinity, greedy: false } });
    else if (c === '?') items.push({ t: 'group', index: ++groups, node: { t: 'char', test: ANY } });
    else if (c === '\\' && i + 1 < pattern.length) items.push({ t: 'char', test: literal(pattern[++i]!, fold) });
    else items.push({ t: 'char', test: literal(c, fold) });
  }
  items.push({ t: 'eol' });
  return { node: { t: 'cat', items }, groups };
}

function emit(node: Node, prog: Instr[]): void {
  if (prog.length > SIEVE_REGEX_MAX_PROGRAM) throw new RegexSyntaxError(`pattern too complex (more than ${SIEVE_REGEX_MAX_PROGRAM} steps once compiled)`);
  switch (node.t) {
    case 'empty': return;
    case 'char': prog.push({ op: 'char', test: node.test }); return;
    case 'bol': prog.push({ op: 'bol' }); return;
    case 'eol': prog.push({ op: 'eol' }); return;
    case 'cat': for (const item of node.items) emit(item, prog); return;
    case 'group':
      prog.push({ op: 'save', n: node.index * 2 });
      emit(node.node, prog);
      prog.push({ op: 'save', n: node.index * 2 + 1 });
      return;
    case 'alt': {
      const jumps: Instr[] = [];
      for (let k = 0; k < node.items.length; k++) {
        if (k < node.items.length - 1) {
          const split = { op: 'split' as const, x: prog.length + 1, y: 0 };
          prog.push(split);
          emit(node.items[k]!, prog);
          const jmp = { op: 'jmp' as const, x: 0 };
          prog.push(jmp);
          jumps.push(jmp);
          split.y = prog.length;
        } else emit(node.items[k]!, prog);
      }
      for (const j of jumps) (j as { x: number }).x = prog.length;
      return;
    }
    case 'rep': {
      for (let k = 0; k < node.min; k++) emit(node.node, prog);
      if (node.max === Infinity) {
        const split = { op: 'split' as const, x: 0, y: 0 };
        const at = prog.length;
        prog.push(split);
        emit(node.node, prog);
        prog.push({ op: 'jmp', x: at });
        if (node.greedy) { split.x = at + 1; split.y = prog.length; } else { split.x = prog.length; split.y = at + 1; }
        return;
      }
      const splits: { op: 'split'; x: number; y: number }[] = [];
      for (let k = node.min; k < node.max; k++) {
        const split = { op: 'split' as const, x: prog.length + 1, y: 0 };
        prog.push(split);
        splits.push(split);
        emit(node.node, prog);
      }
      for (const s of splits) {
        if (node.greedy) s.y = prog.length; else { s.y = s.x; s.x = prog.length; }
      }
      return;
    }
  }
}

function compile(parsed: { node: Node; groups: number }, anchored: boolean): CompiledPattern {
  const program: Instr[] = [{ op: 'save', n: 0 }];
  emit(parsed.node, program);
  program.push({ op: 'save', n: 1 }, { op: 'match' });
  if (program.length > SIEVE_REGEX_MAX_PROGRAM) throw new RegexSyntaxError(`pattern too complex (more than ${SIEVE_REGEX_MAX_PROGRAM} steps once compiled)`);
  return { program, groups: parsed.groups, anchored };
}

export function compileRegex(pattern: string, fold: boolean): CompiledPattern {
  return compile(parseEre(pattern, fold), false);
}

export function compileWildcards(pattern: string, fold: boolean): CompiledPattern {
  return compile(parseWildcards(pattern, fold), true);
}

interface Thread { pc: number; caps: number[] }

/**
 * The first (leftmost, by priority) match of `pattern` in `text`: [start, end] of the whole match
 * and of each group (-1 when a group did not take part), or null.
 */
export function execute(pattern: CompiledPattern, text: string, budget: StepBudget): number[] | null {
  const { program } = pattern;
  const slots = (pattern.groups + 1) * 2;
  let current: Thread[] = [];
  let matched: number[] | null = null;
  const n = text.length;

  const add = (list: Thread[], seen: Uint32Array, gen: number, pc: number, caps: number[], at: number): void => {
    if (seen[pc] === gen) return;
    seen[pc] = gen;
    if (--budget.steps < 0) throw new SieveRuntimeError('the script ran out of steps while matching a regular expression');
    const ins = program[pc]!;
    switch (ins.op) {
      case 'jmp': add(list, seen, gen, ins.x, caps, at); return;
      case 'split': add(list, seen, gen, ins.x, caps, at); add(list, seen, gen, ins.y, caps, at); return;
      case 'save': {
        const copy = caps.slice();
        copy[ins.n] = at;
        add(list, seen, gen, pc + 1, copy, at);
        return;
      }
      case 'bol': if (at === 0) add(list, seen, gen, pc + 1, caps, at); return;
      case 'eol': if (at === n) add(list, seen, gen, pc + 1, caps, at); return;
      default: list.push({ pc, caps });
    }
  };

  const seen = new Uint32Array(program.length);
  let gen = 1;
  const empty = new Array<number>(slots).fill(-1);
  add(current, seen, gen, 0, empty, 0);
  for (let at = 0; ; at++) {
    const next: Thread[] = [];
    gen++;
    const c = at < n ? text[at]! : '';
    for (const th of current) {
      const ins = program[th.pc]!;
      if (ins.op === 'match') {
        matched = th.caps;
        // Lower-priority threads are cut: the first thread to match wins (leftmost-first).
        break;
      }
      if (--budget.steps < 0) throw new SieveRuntimeError('the script ran out of steps while matching a regular expression');
      if (ins.op === 'char' && at < n && ins.test(c)) add(next, seen, gen, th.pc + 1, th.caps, at + 1);
    }
    if (at >= n) break;
    // Unanchored search: a new attempt starts at the next position, at the lowest priority,
    // until some attempt has matched.
    if (!pattern.anchored && matched === null) add(next, seen, gen, 0, empty, at + 1);
    current = next;
    if (current.length === 0) break;
  }
  return matched;
}
