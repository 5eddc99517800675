// The Sieve interpreter: a compiled script + a message + its envelope → the actions to take
// (RFC 5228 §2.10). Pure: it reads nothing but its input and the hooks it is given (mailbox
// existence, the duplicate tracker), writes nothing, and sends nothing; delivery carries the
// actions out. Always true: a run is bounded by SIEVE_MAX_STEPS and SIEVE_MAX_RUN_MS, by the
// action and redirect limits and by the include depth; any failure throws SieveRuntimeError and the
// caller falls back to the implicit keep (RFC 5228 §2.10.6); the implicit keep is cancelled only by
// discard, reject, and fileinto/redirect without :copy (RFC 5228 §2.10.2, RFC 3894 §3).
import { createHash } from 'node:crypto';
import {
  SIEVE_MAX_ACTIONS, SIEVE_MAX_INCLUDE_DEPTH, SIEVE_MAX_INCLUDED_SCRIPTS, SIEVE_MAX_REDIRECTS, SIEVE_MAX_RUN_MS, SIEVE_MAX_STEPS,
  SIEVE_MAX_VARIABLE_LENGTH, SIEVE_MAX_VARIABLES, VACATION_MAX_DAYS, VACATION_MIN_SECONDS, SIEVE_DUPLICATE_DEFAULT_S, SIEVE_DUPLICATE_MAX_S,
} from '../limits.ts';
import type { Argument } from './parser.ts';
import type { CompiledNode, CompiledScript } from './compile.ts';
import { isRedirectAddress } from './compile.ts';
import { SieveRuntimeError } from './errors.ts';
import { matchValues, type MatchContext, type MatchSpec, type MatchType, type Relation } from './match.ts';
import type { Comparator } from './capabilities.ts';
import { SieveMessage } from './message.ts';
import { datePart, parseRfc5322Date, zoneMinutesOf } from './dates.ts';
import { asciiLower } from './regex.ts';
import { vacationDecision, type VacationReply } from './vacation.ts';

export type SieveAction =
  | { type: 'keep'; flags: string[] }
  | { type: 'fileinto'; mailbox: string; create: boolean; flags: string[] }
  | { type: 'redirect'; address: string }
  | { type: 'discard' }
  | { type: 'reject'; reason: string; extended: boolean }
  | ({ type: 'vacation' } & VacationReply);

export interface SieveInput {
  message: SieveMessage;
  /** RFC 5228 §5.4: the envelope: MAIL FROM ('' for <>) and the RCPT TO that reached this account. */
  envelope: { from: string; to: string };
  /** Every address of the account the script belongs to (vacation's "is this mail to me", RFC 5230 §4.5). */
  userAddresses: string[];
  /** RFC 5183 environment items: domain, host, remote-host, remote-ip… */
  environment: Record<string, string>;
  /** Now (ms) and the server's zone (minutes east of UTC) for currentdate and date (RFC 5260). */
  now: number;
  zoneMinutes: number;
  /** Scripts an include names, loaded before the run (RFC 6609): personal and global by name. */
  includes?: { personal: Map<string, CompiledScript>; global: Map<string, CompiledScript> };
  hooks: SieveHooks;
}

export interface SieveHooks {
  /** RFC 5490 §3.1 mailboxexists, and whether fileinto without :create may deliver. */
  mailboxExists(name: string): Promise<boolean>;
  /** RFC 7352: has this duplicate key been recorded and not yet expired? */
  duplicateSeen(key: string): Promise<boolean>;
}

export interface DuplicateRecord { key: string; seconds: number; refresh: boolean }

export interface SieveResult {
  actions: SieveAction[];
  /** Duplicate ids to remember once the actions are carried out (RFC 7352 §3). */
  duplicates: DuplicateRecord[];
  /** Vacation decided not to reply, and why (for the log). */
  notes: string[];
}


class Stop extends Error {}
class Return extends Error {}

interface Frame {
  script: CompiledScript;
  locals: Map<string, string>;
  globals: Set<string>;
  depth: number;
}

export async function runSieve(script: CompiledScript, input: SieveInput): Promise<SieveResult> {
  const started = performance.now();
  const budget = { steps: SIEVE_MAX_STEPS };
  const mctx: MatchContext = { budget, patterns: new Map() };
  const actions: SieveAction[] = [];
  const duplicates: DuplicateRecord[] = [];
  const notes: string[] = [];
  const globals = new Map<string, string>();
  const included = new Set<string>();
  let implicitKeep = true;
  let flags: string[] = [];
  let matchVars: string[] = [];
  let redirects = 0;
  let frame: Frame = { script, locals: new Map(), globals: new Set(), depth: 0 };

  // The clock is read each time another 1,024 steps are spent (matching charges steps too), however
  // many one call spends, so the time limit holds whatever mix of work the script does.
  let clockAt = SIEVE_MAX_STEPS - 1024;
  const step = (n = 1) => {
    budget.steps -= n;
    if (budget.steps < 0) throw new SieveRuntimeError(`the script took more than ${SIEVE_MAX_STEPS} steps`);
    if (budget.steps <= clockAt) {
      clockAt = budget.steps - 1024;
      if (performance.now() - started > SIEVE_MAX_RUN_MS) throw new SieveRuntimeError(`the script ran longer than ${SIEVE_MAX_RUN_MS} ms`);
    }
  };

  const has = (ext: string) => frame.script.extensions.has(ext);

  // RFC 5229 §3: variable names are case-insensitive; match variables are ${0}..${9}.
  const getVar = (name: string): string => {
    const lower = name.toLowerCase();
    if (/^\d+$/.test(lower)) return matchVars[Number(lower)] ?? '';
    if (frame.globals.has(lower)) return globals.get(lower) ?? '';
    return frame.locals.get(lower) ?? '';
  };
  const setVar = (name: string, value: string) => {
    const lower = name.toLowerCase();
    const v = value.length > SIEVE_MAX_VARIABLE_LENGTH ? value.slice(0, SIEVE_MAX_VARIABLE_LENGTH) : value;
    const map = frame.globals.has(lower) ? globals : frame.locals;
    if (!map.has(lower) && map.size >= SIEVE_MAX_VARIABLES) throw new SieveRuntimeError(`more than ${SIEVE_MAX_VARIABLES} variables`);
    map.set(lower, v);
  };

  const expand = (s: string): string => {
    if (!has('variables') || !s.includes('${')) return s;
    step(1 + (s.length >> 6));
    // RFC 5229 §3: "${" identifier-or-number "}"; anything else is left as written.
    const out = s.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*|\d+)\}/g, (_m, name: string) => name.includes('.') ? '' : getVar(name));
    return out.length > SIEVE_MAX_VARIABLE_LENGTH * 16 ? out.slice(0, SIEVE_MAX_VARIABLE_LENGTH * 16) : out;
  };
  const str = (arg: Argument | null | undefined): string => {
    if (!arg) return '';
    if (arg.kind === 'string') return expand(arg.value);
    if (arg.kind === 'list') return expand(arg.values[0] ?? '');
    if (arg.kind === 'number') return String(arg.value);
    return '';
  };
  const list = (arg: Argument | null | undefined): string[] => {
    if (!arg) return [];
    if (arg.kind === 'list') return arg.values.map(expand);
    if (arg.kind === 'string') return [expand(arg.value)];
    return [];
  };
  const num = (arg: Argument | null | undefined, fallback: number): number => arg && arg.kind === 'number' ? arg.value : fallback;

  const matchSpecOf = (node: CompiledNode, defaultComparator: Comparator = 'i;ascii-casemap'): MatchSpec => {
    const types: MatchType[] = ['is', 'contains', 'matches', 'regex', 'value', 'count'];
    const type = types.find((t) => node.tags.has(t)) ?? 'is';
    const relation = type === 'value' || type === 'count' ? (str(node.tags.get(type)).toLowerCase() as Relation) : undefined;
    const comparatorArg = node.tags.get('comparator');
    const comparator = (comparatorArg ? str(comparatorArg).toLowerCase() : defaultComparator) as Comparator;
    return { type, relation, comparator };
  };

  // RFC 5229 §3.2: a successful :matches/:regex test sets the match variables.
  const match = (node: CompiledNode, values: string[], keys: string[], defaultComparator?: Comparator): boolean => {
    const spec = matchSpecOf(node, defaultComparator);
    step(1 + values.length);
    const caps = matchValues(spec, values, keys, mctx);
    if (caps === null) return false;
    if (has('variables') && (spec.type === 'matches' || spec.type === 'regex')) {
      matchVars = spec.type === 'matches' ? [caps[0] ?? '', ...caps.slice(1)] : caps;
    }
    return true;
  };

  // RFC 5260 §6: :index N picks the Nth occurrence, counting from the end with :last.
  const indexed = (node: CompiledNode, values: string[]): string[] => {
    const idx = node.tags.get('index');
    if (!idx || idx.kind !== 'number') return values;
    const n = idx.value;
    const pick = node.tags.has('last') ? values[values.length - n] : values[n - 1];
    return n >= 1 && pick !== undefined ? [pick] : [];
  };

  const addressPart = (node: CompiledNode, local: string, domain: string): string | null => {
    // RFC 5233 §4: the separator is "+"; :detail of an address without one does not match.
    if (node.tags.has('localpart')) return local;
    if (node.tags.has('domain')) return domain;
    if (node.tags.has('user')) { const p = local.indexOf('+'); return p < 0 ? local : local.slice(0, p); }
    if (node.tags.has('detail')) { const p = local.indexOf('+'); return p < 0 ? null : local.slice(p + 1); }
    return domain === '' ? local : `${local}@${domain}`;
  };

  const splitAddress = (address: string): { local: string; domain: string } => {
    const at = address.lastIndexOf('@');
    return at < 0 ? { local: address, domain: '' } : { local: address.slice(0, at), domain: address.slice(at + 1) };
  };

  const normalizeFlags = (items: string[]): string[] => {
    const seen = new Map<string, string>();
    for (const item of items) for (const f of item.split(' ')) if (f && !seen.has(f.toLowerCase())) seen.set(f.toLowerCase(), f);
    return [...seen.values()];
  };

  const addAction = (action: SieveAction) => {
    if (actions.length >= SIEVE_MAX_ACTIONS) throw new SieveRuntimeError(`more than ${SIEVE_MAX_ACTIONS} actions`);
    const rejecting = actions.some((a) => a.type === 'reject');
    // RFC 5429 §2.1: reject cannot be combined with keep, fileinto, redirect or vacation.
    if ((action.type === 'reject' && actions.some((a) => a.type !== 'discard' && a.type !== 'reject')) ||
        (rejecting && action.type !== 'discard' && action.type !== 'reject')) {
      throw new SieveRuntimeError('reject cannot be combined with keep, fileinto, redirect or vacation (RFC 5429 §2.1)');
    }
    if (action.type === 'reject' && rejecting) throw new SieveRuntimeError('more than one reject');
    if (action.type === 'vacation' && actions.some((a) => a.type === 'vacation')) throw new SieveRuntimeError('more than one vacation action (RFC 5230 §4)');
    // RFC 5228 §2.10.3: the same fileinto or redirect twice is done once.
    if (action.type === 'fileinto') {
      const same = actions.findIndex((a) => a.type === 'fileinto' && a.mailbox === action.mailbox);
      if (same >= 0) { actions[same] = action; return; }
    }
    if (action.type === 'redirect' && actions.some((a) => a.type === 'redirect' && a.address.toLowerCase() === action.address.toLowerCase())) return;
    if (action.type === 'keep') {
      const same = actions.findIndex((a) => a.type === 'keep');
      if (same >= 0) { actions[same] = action; return; }
    }
    actions.push(action);
  };

  async function test(node: CompiledNode): Promise<boolean> {
    step();
    const p = node.positional;
    switch (node.name) {
      case 'true': return true;
      case 'false': return false;
      case 'not': return !(await test(node.tests[0]!));
      case 'allof': for (const t of node.tests) if (!(await test(t))) return false; return true;
      case 'anyof': for (const t of node.tests) if (await test(t)) return true; return false;
      case 'exists': return list(p[0]).every((h) => input.message.has(h));
      case 'size': {
        const limit = num(p[0], 0);
        return node.tags.has('over') ? input.message.size > limit : input.message.size < limit;
      }
      case 'header': {
        const values = list(p[0]).flatMap((h) => indexed(node, input.message.header(h)));
        return match(node, values, list(p[1]));
      }
      case 'address': {
        const values: string[] = [];
        for (const h of list(p[0])) {
          for (const value of indexed(node, input.message.rawHeader(h))) {
            for (const a of SieveMessage.addressesIn(value)) {
              const part = addressPart(node, a.local, a.domain);
              if (part !== null) values.push(part);
            }
          }
        }
        return match(node, values, list(p[1]));
      }
      case 'envelope': {
        const values: string[] = [];
        for (const part of list(p[0])) {
          const which = part.toLowerCase();
          const address = which === 'from' ? input.envelope.from : which === 'to' ? input.envelope.to : null;
          if (address === null) continue;
          // RFC 5228 §5.4: the null reverse-path is the empty string whatever the address part.
          if (address === '') { values.push(''); continue; }
          const { local, domain } = splitAddress(address);
          const v = addressPart(node, local, domain);
          if (v !== null) values.push(v);
        }
        return match(node, values, list(p[1]));
      }
      case 'body': {
        const keys = list(p[0]);
        let values: string[];
        if (node.tags.has('raw')) values = [input.message.rawBody()];
        else if (node.tags.has('content')) {
          const types = list(node.tags.get('content')).map((t) => asciiLower(t));
          values = input.message.parts().filter((part) => types.some((t) => t === '' || t === part.type || t === `${part.type}/${part.subtype}`)).map((part) => part.text);
        } else values = input.message.textParts();
        step(values.reduce((n, v) => n + (v.length >> 8), 0));
        // RFC 5173 §4: body tests never set match variables.
        const spec = matchSpecOf(node);
        return matchValues(spec, values, keys, mctx) !== null;
      }
      case 'string': {
        // RFC 5229 §5: for :count an empty string counts as no value, any other as one.
        const source = list(p[0]);
        return match(node, node.tags.has('count') ? source.filter((v) => v !== '') : source, list(p[1]));
      }
      case 'hasflag': {
        const source = p.length === 2 ? normalizeFlags(list(p[0]).map(getVar)) : flags;
        return match(node, source, list(p[p.length - 1]));
      }
      case 'date':
      case 'currentdate': {
        const isDate = node.name === 'date';
        const part = str(p[isDate ? 1 : 0]).toLowerCase();
        const keys = list(p[isDate ? 2 : 1]);
        const zoneArg = node.tags.get('zone');
        const zone = zoneArg ? zoneMinutesOf(str(zoneArg)) : null;
        let values: string[] = [];
        if (isDate) {
          for (const v of indexed(node, input.message.header(str(p[0])))) {
            // RFC 5260 §4.1: the date is the header's value, or what follows its last ";" (Received).
            const parsed = parseRfc5322Date(v.includes(';') ? v.slice(v.lastIndexOf(';') + 1) : v);
            if (!parsed) continue;
            const z = zone ?? (node.tags.has('originalzone') ? parsed.zoneMinutes : input.zoneMinutes);
            values.push(datePart(part, parsed.ms, z));
          }
        } else values = [datePart(part, input.now, zone ?? input.zoneMinutes)];
        // RFC 5260 §4: i;ascii-casemap by default, so "date" values compare as text.
        return values.length > 0 && match(node, values, keys);
      }
      case 'environment': {
        const name = str(p[0]).toLowerCase();
        const value = input.environment[name];
        return value !== undefined && match(node, [value], list(p[1]));
      }
      case 'mailboxexists': {
        for (const name of list(p[0])) if (!(await input.hooks.mailboxExists(name))) return false;
        return true;
      }
      case 'duplicate': {
        // RFC 7352 §3: the id is :uniqueid, or the value of :header (Message-ID by default).
        let id: string | null;
        if (node.tags.has('uniqueid')) id = str(node.tags.get('uniqueid'));
        else {
          const values = input.message.header(node.tags.has('header') ? str(node.tags.get('header')) : 'message-id');
          id = values[0]?.trim() || null;
        }
        if (id === null) return false;
        const handle = node.tags.has('handle') ? str(node.tags.get('handle')) : '';
        const key = createHash('sha256').update(handle).update('\0').update(id).digest('base64url');
        const seconds = Math.min(SIEVE_DUPLICATE_MAX_S, Math.max(1, num(node.tags.get('seconds') ?? null, SIEVE_DUPLICATE_DEFAULT_S)));
        const seen = await input.hooks.duplicateSeen(key);
        duplicates.push({ key, seconds, refresh: !seen || node.tags.has('last') });
        return seen;
      }
      default: throw new SieveRuntimeError(`test "${node.name}" is not implemented`);
    }
  }

  async function commands(list_: CompiledNode[]): Promise<void> {
    let branchTaken = false;
    for (const node of list_) {
      step();
      switch (node.name) {
        case 'require': break;
        case 'if':
          branchTaken = await test(node.tests[0]!);
          if (branchTaken) await commands(node.block!);
          break;
        case 'elsif':
          if (!branchTaken) {
            branchTaken = await test(node.tests[0]!);
            if (branchTaken) await commands(node.block!);
          }
          break;
        case 'else':
          if (!branchTaken) await commands(node.block!);
          branchTaken = true;
          break;
        default:
          await command(node);
      }
    }
  }

  async function command(node: CompiledNode): Promise<void> {
    const p = node.positional;
    const flagsOf = () => node.tags.has('flags') ? normalizeFlags(list(node.tags.get('flags'))) : flags;
    switch (node.name) {
      case 'stop': throw new Stop();
      case 'return': throw new Return();
      case 'keep':
        addAction({ type: 'keep', flags: flagsOf() });
        implicitKeep = false;
        return;
      case 'discard':
        addAction({ type: 'discard' });
        implicitKeep = false;
        return;
      case 'fileinto': {
        const mailbox = str(p[0]);
        if (mailbox === '') throw new SieveRuntimeError('fileinto with an empty mailbox name');
        addAction({ type: 'fileinto', mailbox, create: node.tags.has('create'), flags: flagsOf() });
        if (!node.tags.has('copy')) implicitKeep = false;
        return;
      }
      case 'redirect': {
        const target = str(p[0]).trim();
        if (!isRedirectAddress(target)) throw new SieveRuntimeError(`redirect to an invalid address ${JSON.stringify(target)}`);
        const address = (/<([^<>]*)>\s*$/.exec(target)?.[1] ?? target).trim();
        if (!actions.some((a) => a.type === 'redirect' && a.address.toLowerCase() === address.toLowerCase())) {
          if (++redirects > SIEVE_MAX_REDIRECTS) throw new SieveRuntimeError(`more than ${SIEVE_MAX_REDIRECTS} redirects`);
        }
        addAction({ type: 'redirect', address });
        if (!node.tags.has('copy')) implicitKeep = false;
        return;
      }
      case 'reject':
      case 'ereject':
        addAction({ type: 'reject', reason: str(p[0]), extended: node.name === 'ereject' });
        implicitKeep = false;
        return;
      case 'setflag':
      case 'addflag':
      case 'removeflag': {
        const items = normalizeFlags(list(p[p.length - 1]));
        const current = p.length === 2 ? normalizeFlags([getVar(str(p[0]))]) : flags;
        let next: string[];
        if (node.name === 'setflag') next = items;
        else if (node.name === 'addflag') next = normalizeFlags([...current, ...items]);
        else next = current.filter((f) => !items.some((r) => r.toLowerCase() === f.toLowerCase()));
        if (p.length === 2) setVar(str(p[0]), next.join(' ')); else flags = next;
        return;
      }
      case 'set': {
        let value = str(p[1]);
        // RFC 5229 §4.1: modifiers apply in order of precedence: case, first letter, quoting, length.
        if (node.tags.has('lower')) value = value.toLowerCase();
        if (node.tags.has('upper')) value = value.toUpperCase();
        if (node.tags.has('lowerfirst')) value = value.charAt(0).toLowerCase() + value.slice(1);
        if (node.tags.has('upperfirst')) value = value.charAt(0).toUpperCase() + value.slice(1);
        if (node.tags.has('quotewildcard')) value = value.replace(/[*?\\]/g, '\\$&');
        if (node.tags.has('quoteregex')) value = value.replace(/[\\^$.[\]|()?*+{}]/g, '\\$&');
        if (node.tags.has('length')) value = String([...value].length);
        setVar(str(p[0]), value);
        return;
      }
      case 'global':
        for (const name of list(p[0])) frame.globals.add(name.toLowerCase());
        return;
      case 'vacation': {
        const daysArg = node.tags.get('days');
        const secondsArg = node.tags.get('seconds');
        // RFC 5230 §4.1: :days at least 1 (7 by default); RFC 6131 §2: :seconds, with a site minimum.
        const seconds = secondsArg
          ? Math.max(VACATION_MIN_SECONDS, Math.min(VACATION_MAX_DAYS * 86_400, num(secondsArg, 0)))
          : Math.max(1, Math.min(VACATION_MAX_DAYS, num(daysArg ?? null, 7))) * 86_400;
        const decision = vacationDecision(input, {
          reason: str(p[0]), subject: node.tags.has('subject') ? str(node.tags.get('subject')) : null,
          from: node.tags.has('from') ? str(node.tags.get('from')) : null, addresses: list(node.tags.get('addresses')),
          mime: node.tags.has('mime'), handle: node.tags.has('handle') ? str(node.tags.get('handle')) : null, seconds,
        });
        if ('skip' in decision) { notes.push(`vacation: no reply (${decision.skip})`); return; }
        addAction({ type: 'vacation', ...decision });
        return;
      }
      case 'include': {
        const name = str(p[0]);
        const global = node.tags.has('global');
        const key = `${global ? 'global' : 'personal'}:${name}`;
        // RFC 6609 §3.2: :once skips a script already included; :optional tolerates a missing one.
        if (node.tags.has('once') && included.has(key)) return;
        const target = (global ? input.includes?.global : input.includes?.personal)?.get(name);
        if (!target) {
          if (node.tags.has('optional')) return;
          throw new SieveRuntimeError(`included script "${name}" does not exist`);
        }
        if (frame.depth + 1 > SIEVE_MAX_INCLUDE_DEPTH) throw new SieveRuntimeError(`includes nested deeper than ${SIEVE_MAX_INCLUDE_DEPTH}`);
        included.add(key);
        if (included.size > SIEVE_MAX_INCLUDED_SCRIPTS) throw new SieveRuntimeError(`more than ${SIEVE_MAX_INCLUDED_SCRIPTS} scripts included`);
        const saved = frame;
        frame = { script: target, locals: new Map(), globals: new Set(), depth: saved.depth + 1 };
        try {
          await commands(target.commands);
        } catch (err) {
          if (!(err instanceof Return)) throw err;
        } finally {
          frame = saved;
        }
        return;
      }
      default: throw new SieveRuntimeError(`command "${node.name}" is not implemented`);
    }
  }

  try {
    await commands(script.commands);
  } catch (err) {
    if (!(err instanceof Stop) && !(err instanceof Return)) {
      if (err instanceof SieveRuntimeError) throw err;
      throw new SieveRuntimeError(`internal error: ${(err as Error).message}`);
    }
  }
  // RFC 5232 §3: the implicit keep files with the current value of the internal flags variable.
  if (implicitKeep) addAction({ type: 'keep', flags });
  return { actions, duplicates, notes };
}
