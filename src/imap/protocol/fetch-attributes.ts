// FETCH arguments (RFC 3501 §6.4.5, RFC 7162 §3.1.4, §3.2.6, BINARY RFC 3516 §4.2, PREVIEW RFC 8970,
// SAVEDATE RFC 8514 §3, EMAILID and THREADID RFC 8474 §5): the sequence
// set, the data items (macros expanded) with body sections and partial ranges, and the
// CHANGEDSINCE/VANISHED modifiers.
// Pure. Always true: every item carries the label its response must use (RFC 3501 §7.4.2), and a
// section's part numbers are all ≥ 1.

import { ArgumentReader } from './argument-reader.ts';
import { ImapSyntaxError, tokenizeText, type Token } from './tokens.ts';
import type { SequenceSet } from './sequence-set.ts';

export type SimpleFetchItem =
  | 'FLAGS'
  | 'INTERNALDATE'
  | 'RFC822.SIZE'
  | 'ENVELOPE'
  | 'BODY'
  | 'BODYSTRUCTURE'
  | 'UID'
  | 'MODSEQ'
  | 'RFC822'
  | 'RFC822.HEADER'
  | 'RFC822.TEXT'
  | 'PREVIEW'
  | 'SAVEDATE'
  | 'EMAILID'
  | 'THREADID';

export type SectionSpec = 'ALL' | 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME';

export interface Section {
  /** Part path ("1.2" → [1, 2]); empty for the whole message. */
  part: number[];
  spec: SectionSpec;
  /** Header field names for HEADER.FIELDS(.NOT), as sent. */
  fields: string[];
}

export type FetchItem =
  | { kind: 'simple'; name: SimpleFetchItem }
  | {
      kind: 'section';
      peek: boolean;
      section: Section;
      partial: { start: number; length: number } | null;
      /** "BODY[1.HEADER.FIELDS (From)]<0>" — the label of the response item. */
      label: string;
      /** RFC 3516: BINARY[...] serves the part decoded; BINARY.SIZE[...] only its decoded size. */
      binary: 'content' | 'size' | null;
    };

export interface FetchArguments {
  set: SequenceSet;
  items: FetchItem[];
  changedSince: number | null;
  vanished: boolean;
}

const SIMPLE = new Set<string>(['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY', 'BODYSTRUCTURE', 'UID', 'MODSEQ', 'RFC822', 'RFC822.HEADER', 'RFC822.TEXT', 'PREVIEW', 'SAVEDATE', 'EMAILID', 'THREADID']);

// RFC 3501 §6.4.5 macros.
const MACROS: Record<string, SimpleFetchItem[]> = {
  ALL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'],
  FAST: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'],
  FULL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY'],
};

const SECTION_ITEM = /^(BODY(?:\.PEEK)?|BINARY(?:\.PEEK|\.SIZE)?)\[([^\]]*)\](?:<(\d{1,10})\.(\d{1,10})>)?$/i;
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;

export function parseFetchArguments(r: ArgumentReader): FetchArguments {
  const set = r.sequenceSet();
  const items: FetchItem[] = [];
  if (r.peekList()) {
    const list = r.list('fetch attributes');
    if (!list.more()) throw new ImapSyntaxError('Empty fetch attribute list');
    while (list.more()) {
      const item = parseItem(list.atom('fetch attribute'));
      items.push(item);
      // RFC 8970 §3.2: PREVIEW may take modifiers; LAZY is the one defined, and Postern always has
      // the preview at hand, so it changes nothing.
      if (item.kind === 'simple' && item.name === 'PREVIEW' && list.peekList()) {
        const mods = list.list('PREVIEW modifiers');
        do if (mods.atom('PREVIEW modifier').toUpperCase() !== 'LAZY') throw new ImapSyntaxError('Unknown PREVIEW modifier');
        while (mods.more());
      }
    }
  } else {
    const text = r.atom('fetch attribute');
    const macro = MACROS[text.toUpperCase()];
    if (macro) items.push(...macro.map((name): FetchItem => ({ kind: 'simple', name })));
    else items.push(parseItem(text));
  }
  let changedSince: number | null = null;
  let vanished = false;
  if (r.peekList()) {
    const mods = r.list('fetch modifiers');
    while (mods.more()) {
      const name = mods.atom('fetch modifier').toUpperCase();
      if (name === 'CHANGEDSINCE' && changedSince === null) changedSince = mods.modseq('CHANGEDSINCE value');
      else if (name === 'VANISHED' && !vanished) vanished = true;
      else throw new ImapSyntaxError(`Unknown fetch modifier ${name}`);
    }
    // RFC 7162 §3.2.6: VANISHED requires CHANGEDSINCE.
    if (vanished && changedSince === null) throw new ImapSyntaxError('VANISHED requires CHANGEDSINCE');
  }
  r.end();
  return { set, items, changedSince, vanished };
}

export function parseItem(text: string): FetchItem {
  const upper = text.toUpperCase();
  if (SIMPLE.has(upper)) return { kind: 'simple', name: upper as SimpleFetchItem };
  const m = SECTION_ITEM.exec(text);
  if (!m) throw new ImapSyntaxError(`Unknown fetch attribute ${text.slice(0, 40)}`);
  const name = m[1]!.toUpperCase();
  const binary = name.startsWith('BINARY') ? (name === 'BINARY.SIZE' ? 'size' : 'content') : null;
  const peek = name === 'BODY.PEEK' || name === 'BINARY.PEEK' || binary === 'size';
  const section = parseSection(m[2]!);
  // RFC 3516 §6: a BINARY section is a part number only, and BINARY.SIZE takes no partial range.
  if (binary && section.spec !== 'ALL') throw new ImapSyntaxError('BINARY takes a part number only');
  if (binary === 'size' && m[3] !== undefined) throw new ImapSyntaxError('BINARY.SIZE takes no partial range');
  let partial: { start: number; length: number } | null = null;
  if (m[3] !== undefined) {
    const start = Number(m[3]);
    const length = Number(m[4]);
    if (start > 4294967295 || length === 0 || length > 4294967295) throw new ImapSyntaxError('Invalid partial range');
    partial = { start, length };
  }
  const prefix = binary === 'size' ? 'BINARY.SIZE' : binary ? 'BINARY' : 'BODY';
  const label = `${prefix}[${sectionText(section)}]${partial ? `<${partial.start}>` : ''}`;
  return { kind: 'section', peek, section, partial, label, binary };
}

export function parseSection(text: string): Section {
  if (text === '') return { part: [], spec: 'ALL', fields: [] };
  let tokens: Token[];
  try {
    tokens = tokenizeText(text);
  } catch {
    throw new ImapSyntaxError('Invalid body section');
  }
  const head = tokens[0];
  if (!head || head.type !== 'atom') throw new ImapSyntaxError('Invalid body section');
  const pieces = head.value.split('.');
  const part: number[] = [];
  while (pieces.length > 0 && /^\d+$/.test(pieces[0]!)) {
    const n = Number(pieces.shift());
    if (n === 0 || n > 4294967295 || pieces[0] === '') throw new ImapSyntaxError('Invalid body section');
    part.push(n);
  }
  const specText = pieces.join('.').toUpperCase();
  let spec: SectionSpec;
  if (specText === '') spec = 'ALL';
  else if (specText === 'HEADER' || specText === 'HEADER.FIELDS' || specText === 'HEADER.FIELDS.NOT' || specText === 'TEXT') spec = specText;
  else if (specText === 'MIME' && part.length > 0) spec = 'MIME';
  else throw new ImapSyntaxError('Invalid body section');
  const fields: string[] = [];
  if (spec === 'HEADER.FIELDS' || spec === 'HEADER.FIELDS.NOT') {
    if (tokens.length !== 2 || tokens[1]!.type !== 'list') throw new ImapSyntaxError('Invalid header field list');
    const list = new ArgumentReader(tokens[1].items);
    while (list.more()) {
      const name = list.astring('header field name');
      if (!FIELD_NAME.test(name)) throw new ImapSyntaxError('Invalid header field name');
      fields.push(name);
    }
    if (fields.length === 0) throw new ImapSyntaxError('Empty header field list');
  } else if (tokens.length !== 1) {
    throw new ImapSyntaxError('Invalid body section');
  }
  return { part, spec, fields };
}

/** The section as written inside the brackets of a response label. */
export function sectionText(section: Section): string {
  const parts = section.part.join('.');
  if (section.spec === 'ALL') return parts;
  const spec = section.fields.length > 0 ? `${section.spec} (${section.fields.join(' ')})` : section.spec;
  return parts ? `${parts}.${spec}` : spec;
}

/** Whether FETCH of these items sets \Seen (RFC 3501 §6.4.5: BODY[...] and RFC822(.TEXT) do). */
export function fetchSetsSeen(items: FetchItem[]): boolean {
  return items.some((i) => (i.kind === 'section' ? !i.peek : i.name === 'RFC822' || i.name === 'RFC822.TEXT'));
}
