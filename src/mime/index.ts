// The MIME module's API: indexMessage parses a stored message once at
// delivery; FETCH and SEARCH only read what it produced. indexMessage never
// throws: a message it cannot follow is indexed as one opaque part.
import { bodyStructureOf } from './body-structure.ts';
import { decodeEncodedWords } from './encoded-words.ts';
import { envelopeOf } from './envelope.ts';
import { fieldValue, firstField } from './header-block.ts';
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

export function indexMessage(raw: Buffer): IndexedMessage {
  let fields: HeaderField[] = [];
  let tree: MimePart;
  try {
    tree = parseTree(raw, (f) => { fields = f; });
  } catch {
    tree = opaqueTree(raw.length);
    fields = [];
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
  }
  return {
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
}
