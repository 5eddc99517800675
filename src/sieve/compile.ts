// From parse tree to a checked script: every command and test is known and its arguments fit its
// signature (signatures.ts), every extension it uses is required, `require` comes first, elsif/else
// follow an if, constant patterns and comparators are valid, and encoded characters (RFC 5228
// §2.4.2.4) are decoded. Always true: a script that compiles does not fail at run time for a
// reason that could have been found here; every error carries the position of what is wrong.
import { SieveSyntaxError } from './errors.ts';
import type { Position } from './lexer.ts';
import { parseScript, type Argument, type CommandNode, type TestNode } from './parser.ts';
import { COMMANDS, TESTS, type Signature, type ValueKind } from './signatures.ts';
import { COMPARATORS, SIEVE_EXTENSION_SET } from './capabilities.ts';
import { RELATIONS } from './match.ts';
import { compileRegex, compileWildcards, RegexSyntaxError } from './regex.ts';
import { DATE_PARTS } from './dates.ts';

export interface CompiledNode {
  name: string;
  /** Tagged arguments given: the tag's value, or null for a tag without one. */
  tags: Map<string, Argument | null>;
  positional: Argument[];
  tests: CompiledNode[];
  block: CompiledNode[] | null;
  pos: Position;
}

export interface IncludeRef { name: string; global: boolean; optional: boolean; pos: Position }

export interface CompiledScript {
  commands: CompiledNode[];
  extensions: Set<string>;
  /** Scripts named by `include`, for the caller to load before running (RFC 6609 §3.2). */
  includes: IncludeRef[];
}

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function compileScript(text: string): CompiledScript {
  const tree = parseScript(text);
  const extensions = new Set<string>();
  const includes: IncludeRef[] = [];
  let requiresAllowed = true;
  // Requires are read first: encoded-character changes how every later string reads.
  for (const node of tree) {
    if (node.name !== 'require') break;
    const arg = node.args[0];
    const values = arg?.kind === 'list' ? arg.values : arg?.kind === 'string' ? [arg.value] : [];
    for (const ext of values) {
      if (!SIEVE_EXTENSION_SET.has(ext.toLowerCase())) throw new SieveSyntaxError(`unsupported extension "${ext}" in require`, arg!.pos);
      extensions.add(ext.toLowerCase());
    }
  }
  const has = (ext: string) => extensions.has(ext);
  const decode = has('encoded-character');
  const variables = has('variables');

  const str = (s: string, pos: Position) => decode ? decodeEncodedCharacters(s, pos) : s;

  function checkArgs(node: CommandNode | TestNode, sig: Signature, kind: 'command' | 'test'): { tags: Map<string, Argument | null>; positional: Argument[] } {
    if (sig.ext && !has(sig.ext)) throw new SieveSyntaxError(`${kind} "${node.name}" needs require "${sig.ext}"`, node.pos);
    const tags = new Map<string, Argument | null>();
    const groups = new Map<string, string>();
    const positional: Argument[] = [];
    for (let k = 0; k < node.args.length; k++) {
      const raw = node.args[k]!;
      const arg = decodeArg(raw);
      if (arg.kind !== 'tag') { positional.push(arg); continue; }
      const spec = sig.tags[arg.name];
      if (!spec) throw new SieveSyntaxError(`unknown tagged argument ":${arg.name}" for ${kind} "${node.name}"`, arg.pos);
      if (spec.ext && !has(spec.ext)) throw new SieveSyntaxError(`":${arg.name}" needs require "${spec.ext}"`, arg.pos);
      if (tags.has(arg.name)) throw new SieveSyntaxError(`":${arg.name}" given twice`, arg.pos);
      if (spec.group) {
        const other = groups.get(spec.group);
        if (other) throw new SieveSyntaxError(`":${arg.name}" cannot be combined with ":${other}"`, arg.pos);
        groups.set(spec.group, arg.name);
      }
      if (spec.value) {
        const value = node.args[k + 1] ? decodeArg(node.args[k + 1]!) : undefined;
        if (!value || !fits(value, spec.value)) throw new SieveSyntaxError(`":${arg.name}" must be followed by a ${describeKind(spec.value)}`, value?.pos ?? arg.pos);
        tags.set(arg.name, asKind(value, spec.value));
        k++;
      } else tags.set(arg.name, null);
    }
    const shape = sig.positional.find((s) => s.length === positional.length && s.every((kindOf, idx) => fits(positional[idx]!, kindOf)));
    if (!shape) {
      const expected = sig.positional.map((s) => s.length === 0 ? 'no arguments' : s.map(describeKind).join(', ')).join(' or ');
      throw new SieveSyntaxError(`${kind} "${node.name}" takes ${expected}`, positional[0]?.pos ?? node.pos);
    }
    return { tags, positional: positional.map((a, idx) => asKind(a, shape[idx]!)) };
  }

  function decodeArg(arg: Argument): Argument {
    if (!decode) return arg;
    if (arg.kind === 'string') return { ...arg, value: str(arg.value, arg.pos) };
    if (arg.kind === 'list') return { ...arg, values: arg.values.map((v) => str(v, arg.pos)) };
    return arg;
  }

  function checkTests(node: CommandNode | TestNode, sig: Signature, depth: number): CompiledNode[] {
    const count = node.tests.length;
    if (sig.tests === 'none' && count > 0) throw new SieveSyntaxError(`"${node.name}" takes no test`, node.tests[0]!.pos);
    if (sig.tests === 'one' && count !== 1) throw new SieveSyntaxError(`"${node.name}" needs exactly one test`, node.pos);
    if (sig.tests === 'list' && count === 0) throw new SieveSyntaxError(`"${node.name}" needs a test list`, node.pos);
    return node.tests.map((t) => test(t, depth + 1));
  }

  function checkMatch(tags: Map<string, Argument | null>, keys: Argument | undefined, pos: Position): void {
    const comparator = tags.get('comparator');
    let name = 'i;ascii-casemap';
    if (comparator && comparator.kind === 'string') {
      name = comparator.value.toLowerCase();
      if (!(COMPARATORS as readonly string[]).includes(name)) throw new SieveSyntaxError(`unknown comparator "${comparator.value}"`, comparator.pos);
      if (name !== 'i;octet' && name !== 'i;ascii-casemap' && !has(`comparator-${name}`)) throw new SieveSyntaxError(`comparator "${name}" needs require "comparator-${name}"`, comparator.pos);
    }
    for (const rel of ['value', 'count']) {
      const r = tags.get(rel);
      if (r && r.kind === 'string' && !RELATIONS.has(r.value.toLowerCase())) throw new SieveSyntaxError(`unknown relational operator "${r.value}" (gt, ge, lt, le, eq or ne)`, r.pos);
    }
    if (name === 'i;ascii-numeric' && (tags.has('contains') || tags.has('matches') || tags.has('regex'))) {
      throw new SieveSyntaxError('comparator i;ascii-numeric supports only :is, :value and :count', pos);
    }
    const type = tags.has('regex') ? 'regex' : tags.has('matches') ? 'matches' : null;
    if (type && keys && keys.kind === 'list') {
      for (const key of keys.values) {
        if (variables && key.includes('${')) continue;
        try {
          if (type === 'regex') compileRegex(key, false); else compileWildcards(key, false);
        } catch (err) {
          if (err instanceof RegexSyntaxError) throw new SieveSyntaxError(`bad ${type === 'regex' ? 'regular expression' : 'pattern'} ${JSON.stringify(key)}: ${err.message}`, keys.pos);
          throw err;
        }
      }
    }
    if (tags.has('last') && !tags.has('index')) throw new SieveSyntaxError('":last" needs ":index"', pos);
  }

  function test(node: TestNode, depth: number): CompiledNode {
    const sig = TESTS[node.name];
    if (!sig) throw new SieveSyntaxError(`unknown test "${node.name}"`, node.pos);
    const { tags, positional } = checkArgs(node, sig, 'test');
    const tests = checkTests(node, sig, depth);
    const keysArg = positional[positional.length - 1];
    if ('comparator' in sig.tags) checkMatch(tags, keysArg, node.pos);
    if (node.name === 'size' && !tags.has('over') && !tags.has('under')) throw new SieveSyntaxError('"size" needs ":over" or ":under"', node.pos);
    if (node.name === 'date' || node.name === 'currentdate') {
      const part = positional[node.name === 'date' ? 1 : 0]!;
      if (part.kind === 'string' && !(variables && part.value.includes('${')) && !DATE_PARTS.has(part.value.toLowerCase())) {
        throw new SieveSyntaxError(`unknown date part "${part.value}"`, part.pos);
      }
      const zone = tags.get('zone');
      if (zone && zone.kind === 'string' && !/^[+-]\d{4}$/.test(zone.value)) throw new SieveSyntaxError(`":zone" must be "+hhmm" or "-hhmm"`, zone.pos);
    }
    if (node.name === 'hasflag' && positional.length === 2) checkVariableNames(positional[0]!);
    if (node.name === 'envelope' && positional[0]!.kind === 'list') {
      for (const part of positional[0]!.values) {
        if (!['from', 'to', 'auth'].includes(part.toLowerCase()) && !(variables && part.includes('${'))) throw new SieveSyntaxError(`unknown envelope part "${part}" (from, to)`, positional[0]!.pos);
      }
    }
    return { name: node.name, tags, positional, tests, block: null, pos: node.pos };
  }

  function checkVariableNames(arg: Argument): void {
    const names = arg.kind === 'list' ? arg.values : arg.kind === 'string' ? [arg.value] : [];
    for (const n of names) if (!VARIABLE_NAME.test(n)) throw new SieveSyntaxError(`bad variable name "${n}"`, arg.pos);
  }

  function commands(nodes: CommandNode[], depth: number): CompiledNode[] {
    const out: CompiledNode[] = [];
    let previous: string | null = null;
    for (const node of nodes) {
      const sig = COMMANDS[node.name];
      if (!sig) throw new SieveSyntaxError(`unknown command "${node.name}"`, node.pos);
      if (node.name === 'require') {
        if (!requiresAllowed || depth > 0) throw new SieveSyntaxError('"require" must come before any other command (RFC 5228 §3.2)', node.pos);
      } else requiresAllowed = false;
      if ((node.name === 'elsif' || node.name === 'else') && previous !== 'if' && previous !== 'elsif') {
        throw new SieveSyntaxError(`"${node.name}" must follow "if" or "elsif"`, node.pos);
      }
      const { tags, positional } = checkArgs(node, sig, 'command');
      const tests = checkTests(node, sig, depth);
      if (sig.block && node.block === null) throw new SieveSyntaxError(`"${node.name}" needs a block`, node.pos);
      if (!sig.block && node.block !== null) throw new SieveSyntaxError(`"${node.name}" takes no block; end it with ";"`, node.pos);
      const block = node.block ? commands(node.block, depth + 1) : null;
      switch (node.name) {
        case 'set': {
          const name = positional[0]!;
          if (name.kind === 'string' && !VARIABLE_NAME.test(name.value)) throw new SieveSyntaxError(`bad variable name "${name.value}"`, name.pos);
          break;
        }
        case 'global': checkVariableNames(positional[0]!); break;
        case 'setflag': case 'addflag': case 'removeflag':
          if (positional.length === 2) checkVariableNames(positional[0]!);
          break;
        case 'redirect': {
          const target = positional[0]!;
          if (target.kind === 'string' && !(variables && target.value.includes('${')) && !isRedirectAddress(target.value)) {
            throw new SieveSyntaxError(`"${target.value}" is not a valid address to redirect to`, target.pos);
          }
          break;
        }
        case 'include': {
          const name = positional[0]!;
          if (name.kind === 'string') {
            // RFC 6609 §3.2: the script name is a constant; it cannot name a path.
            if (name.value === '' || name.value.includes('/') || name.value.includes('${')) throw new SieveSyntaxError(`bad script name "${name.value}" in include`, name.pos);
            includes.push({ name: name.value, global: tags.has('global'), optional: tags.has('optional'), pos: name.pos });
          }
          break;
        }
        case 'vacation': {
          const from = tags.get('from');
          if (from && from.kind === 'string' && !(variables && from.value.includes('${')) && !/@/.test(from.value)) throw new SieveSyntaxError('":from" must be an address', from.pos);
          break;
        }
      }
      out.push({ name: node.name, tags, positional, tests, block, pos: node.pos });
      previous = node.name;
    }
    return out;
  }

  return { commands: commands(tree, 0), extensions, includes };
}

function fits(arg: Argument, kind: ValueKind): boolean {
  if (kind === 'list') return arg.kind === 'list' || arg.kind === 'string';
  return arg.kind === kind;
}

function asKind(arg: Argument, kind: ValueKind): Argument {
  return kind === 'list' && arg.kind === 'string' ? { kind: 'list', values: [arg.value], pos: arg.pos } : arg;
}

function describeKind(kind: ValueKind): string {
  return kind === 'list' ? 'string list' : kind;
}

/** An address `redirect` can send to: local@domain, optionally in angle brackets or with a display name. */
export function isRedirectAddress(value: string): boolean {
  const m = /<([^<>]*)>\s*$/.exec(value);
  const addr = (m ? m[1]! : value).trim();
  return /^[^\s@<>()",;:\\[\]]+@[A-Za-z0-9.-]+\.[A-Za-z0-9-]+$/.test(addr) || /^[^\s@<>()",;:\\[\]]+@[A-Za-z0-9-]+$/.test(addr);
}

/** RFC 5228 §2.4.2.4: "${hex:XX XX}" and "${unicode:XXXX}"; anything malformed stays as written. */
export function decodeEncodedCharacters(s: string, pos: Position): string {
  return s.replace(/\$\{(hex|unicode):([^}]*)\}/gi, (whole, kind: string, body: string) => {
    const items = body.trim().split(/[ \t\r\n]+/).filter(Boolean);
    if (items.length === 0 && body.trim() !== '') return whole;
    if (!items.every((x) => /^[0-9a-f]+$/i.test(x))) return whole;
    if (kind.toLowerCase() === 'hex') {
      if (!items.every((x) => x.length <= 2)) return whole;
      // Bytes decoded as UTF-8, as the rest of the script is.
      return Buffer.from(items.map((x) => parseInt(x, 16) & 0xff)).toString('utf8');
    }
    return items.map((x) => {
      const cp = parseInt(x, 16);
      if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw new SieveSyntaxError(`invalid Unicode character ${x} in "\${unicode:…}"`, pos);
      return String.fromCodePoint(cp);
    }).join('');
  });
}
