// The MIME module's API: indexMessage parses a stored message once at
// delivery; FETCH and SEARCH only read what it produced. indexMessage never
// throws: a message it cannot follow is indexed as one opaque part.
// indexBehindPrefix gives the index of prefix + raw from the index of raw, so a
// transaction that parsed the message for itself (the spam filter) does not
// parse it again at delivery; always true: its result equals indexMessage of
// prefix + raw (test/unit/mime/index-behind-prefix.test.ts checks it).
import { bodyStructureOf } from './body-structure.ts';
import { decodeEncodedWords } from './encoded-words.ts';
import { envelopeOf } from './envelope.ts';
import { fieldValue, firstField, readHeaderBlock } from './header-block.ts';
import type { HeaderField } from './header-block.ts';
import { searchTextOf } from './search-text.ts';
import { parseSentDate, parseSentDay } from './sent-date.ts';
import { addressLines } from './address-text.ts';
import { sortKeysOf } from './sort-keys.ts';
import { parseTree } from './tree.ts';
import type { IndexedMessage, MimePart } from './types.ts';

export type { IndexedMessage, MimePart, SectionKind } from './types.ts';
export { filterHeaderFields, resolvePart, sectionRange } from './section.ts';
export { decodeTransfer } from './transfer-encoding.ts';
export { binaryForm, binaryStructure, partStructure, shiftTree } from './binary-form.ts';
export { decodeTree, encodeTree } from './tree-codec.ts';

const EMPTY_ENVELOPE = '(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)';

// The fallback when parsing itself failed: the whole message as one opaque part.
function opaqueTree(size: number): MimePart {
  return {
    headerStart: 0, bodyStart: 0, end: size, lines: 0, type: 'application', subtype: 'octet-stream', params: [],
    id: null, description: null, encoding: null, md5: null, disposition: null, language: null, location: null,
    children: [], message: null,
  };
}

/** Indexes that fell back to an opaque part somewhere: indexBehindPrefix parses those whole. */
const fellBack = new WeakSet<IndexedMessage>();

export function indexMessage(raw: Buffer): IndexedMessage {
  let fields: HeaderField[] = [];
  let tree: MimePart;
  let opaque = false;
  try {
    tree = parseTree(raw, (f) => { fields = f; });
  } catch {
    tree = opaqueTree(raw.length);
    fields = [];
    opaque = true;
  }
  const value = (name: string): string | null => {
    const f = firstField(fields, name);
    return f ? fieldValue(raw, f) : null;
  };
  let headerText = '';
  for (const f of fields) headerText += `${f.name}: ${decodeEncodedWords(fieldValue(raw, f))}\n`;
  let envelope = EMPTY_ENVELOPE;
  let bodyStructure: string;
  let body: string;
  try {
    envelope = envelopeOf(raw, fields);
    bodyStructure = bodyStructureOf(raw, tree, true);
    body = bodyStructureOf(raw, tree, false);
  } catch {
    tree = opaqueTree(raw.length);
    bodyStructure = bodyStructureOf(raw, tree, true);
    body = bodyStructureOf(raw, tree, false);
    opaque = true;
  }
  const indexed: IndexedMessage = {
    size: raw.length,
    tree,
    envelope,
    bodyStructure,
    body,
    headerText,
    searchText: searchTextOf(raw, tree),
    sentDate: parseSentDate(value('date')),
    sentDay: parseSentDay(value('date')),
    addressText: addressLines(value),
    sortKeys: JSON.stringify(sortKeysOf(value)),
    subject: decodeEncodedWords(value('subject') ?? ''),
    from: decodeEncodedWords(value('from') ?? ''),
    to: decodeEncodedWords(value('to') ?? ''),
    cc: decodeEncodedWords(value('cc') ?? ''),
    messageId: value('message-id') || null,
  };
  if (opaque) fellBack.add(indexed);
  return indexed;
}

/**
 * Trace fields Postern puts in front of a message (Received, Authentication-Results, the spam
 * verdict, DKIM and ARC): none of them is read for the envelope, the sort keys, the addresses or
 * the MIME structure, so in front of a message they change only offsets and the header text.
 */
const TRACE_FIELDS = new Set([
  'received', 'authentication-results', 'x-spam-score', 'x-spam-reasons', 'dkim-signature',
  'arc-seal', 'arc-message-signature', 'arc-authentication-results', 'delivered-to',
]);

function shifted(part: MimePart, by: number, root: boolean): MimePart {
  return {
    ...part,
    // The prefix joins the root's header, which still starts at 0.
    headerStart: root ? part.headerStart : part.headerStart + by,
    bodyStart: part.bodyStart + by,
    end: part.end + by,
    children: part.children.map((c) => shifted(c, by, false)),
    message: part.message && shifted(part.message, by, false),
  };
}

/**
 * The index of prefix + raw, given `indexed`, the index of raw. Parses prefix + raw whole when the
 * prefix is not only CRLF-ended trace fields, when raw starts with a folded line (it would continue
 * the prefix's last field) or when raw's index fell back to an opaque part.
 */
export function indexBehindPrefix(indexed: IndexedMessage, raw: Buffer, prefix: Buffer): IndexedMessage {
  if (prefix.length === 0) return indexed;
  const whole = () => indexMessage(Buffer.concat([prefix, raw]));
  if (fellBack.has(indexed) || indexed.size !== raw.length || prefix[prefix.length - 1] !== 0x0a || raw[0] === 0x20 || raw[0] === 0x09) return whole();
  const own = readHeaderBlock(prefix, 0, prefix.length);
  if (own.bodyStart !== prefix.length || own.fields.at(-1)?.end !== prefix.length || !own.fields.every((f) => TRACE_FIELDS.has(f.name))) return whole();
  let headerText = '';
  for (const f of own.fields) headerText += `${f.name}: ${decodeEncodedWords(fieldValue(prefix, f))}\n`;
  return { ...indexed, size: prefix.length + raw.length, tree: shifted(indexed.tree, prefix.length, true), headerText: headerText + indexed.headerText };
}
