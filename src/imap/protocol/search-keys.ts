// SEARCH arguments (RFC 3501 §6.4.4, RETURN options of RFC 4731, RFC 5182 and RFC 5267 §4, RFC 7162
// §3.1.5 MODSEQ, SAVEDATE RFC 8514 §4, OBJECTID RFC 8474 §6): a tree of search keys. Pure. Always true: the tree holds every RFC 3501 key in one of a
// few normalized shapes (FROM/TO/CC/BCC are address searches, SUBJECT a header search, UNSEEN a
// negated flag); its depth — parentheses and prefix operators (NOT, OR) alike — is at most
// IMAP_MAX_SEARCH_DEPTH, it has at most IMAP_MAX_SEARCH_KEYS keys of which IMAP_MAX_SEARCH_TEXT_KEYS
// match text, and no search string is longer than IMAP_MAX_SEARCH_STRING_BYTES: beyond any of these
// the command is BAD, so a client cannot choose what a search costs.

import { ArgumentReader, flag } from './argument-reader.ts';
import { parseSearchDate } from './dates.ts';
import { ImapSyntaxError } from './tokens.ts';
import { parseReturnOptions, type ReturnOption, type ReturnOptions } from './return-options.ts';
import type { SequenceSet } from './sequence-set.ts';
import { IMAP_MAX_SEARCH_DEPTH, IMAP_MAX_SEARCH_KEYS, IMAP_MAX_SEARCH_STRING_BYTES, IMAP_MAX_SEARCH_TEXT_KEYS } from '../../limits.ts';

export type SearchKey =
  | { op: 'all' }
  | { op: 'flag'; flag: string; present: boolean }
  | { op: 'recent'; present: boolean }
  | { op: 'new' }
  | { op: 'header'; field: string; value: string }
  | { op: 'address'; field: 'from' | 'to' | 'cc' | 'bcc'; value: string }
  | { op: 'body'; value: string }
  | { op: 'text'; value: string }
  | { op: 'internaldate'; cmp: 'before' | 'on' | 'since'; day: number }
  | { op: 'sentdate'; cmp: 'before' | 'on' | 'since'; day: number }
  | { op: 'savedate'; cmp: 'before' | 'on' | 'since'; day: number }
  | { op: 'emailid'; id: string }
  | { op: 'threadid'; id: string }
  | { op: 'size'; cmp: 'larger' | 'smaller'; size: number }
  | { op: 'seq'; set: SequenceSet }
  | { op: 'uid'; set: SequenceSet }
  | { op: 'modseq'; modseq: number }
  | { op: 'not'; key: SearchKey }
  | { op: 'or'; a: SearchKey; b: SearchKey }
  | { op: 'and'; keys: SearchKey[] };

export type SearchReturn = ReturnOption;

export interface SearchArguments {
  /** Null for a plain SEARCH (answered with `* SEARCH`); a list for ESEARCH (`RETURN (...)`). */
  returns: SearchReturn[] | null;
  /** RETURN (PARTIAL low:high), RFC 5267 §4.4. */
  partial: ReturnOptions['partial'];
  charset: string | null;
  key: SearchKey;
}

const FLAG_KEYS: Record<string, [string, boolean]> = {
  ANSWERED: ['\\Answered', true],
  DELETED: ['\\Deleted', true],
  DRAFT: ['\\Draft', true],
  FLAGGED: ['\\Flagged', true],
  SEEN: ['\\Seen', true],
  UNANSWERED: ['\\Answered', false],
  UNDELETED: ['\\Deleted', false],
  UNDRAFT: ['\\Draft', false],
  UNFLAGGED: ['\\Flagged', false],
  UNSEEN: ['\\Seen', false],
};

const ADDRESS_KEYS: Record<string, 'from' | 'to' | 'cc' | 'bcc'> = { FROM: 'from', TO: 'to', CC: 'cc', BCC: 'bcc' };
const DATE_KEYS: Record<string, ['internaldate' | 'sentdate' | 'savedate', 'before' | 'on' | 'since']> = {
  BEFORE: ['internaldate', 'before'],
  ON: ['internaldate', 'on'],
  SINCE: ['internaldate', 'since'],
  SENTBEFORE: ['sentdate', 'before'],
  SENTON: ['sentdate', 'on'],
  SENTSINCE: ['sentdate', 'since'],
  SAVEDBEFORE: ['savedate', 'before'],
  SAVEDON: ['savedate', 'on'],
  SAVEDSINCE: ['savedate', 'since'],
};
/** RFC 8474 §3: objectid = 1*255(ALPHA / DIGIT / "_" / "-"). */
const OBJECT_ID = /^[A-Za-z0-9_-]{1,255}$/;
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;

export function parseSearchArguments(r: ArgumentReader): SearchArguments {
  let returns: SearchReturn[] | null = null;
  let partial: ReturnOptions['partial'] = null;
  if (r.peekAtom() === 'RETURN') {
    r.next('RETURN');
    ({ options: returns, partial } = parseReturnOptions(r.list('RETURN options'), true));
  }
  let charset: string | null = null;
  if (r.peekAtom() === 'CHARSET') {
    r.next('CHARSET');
    charset = r.astring('charset');
  }
  const budget = { keys: 0, textKeys: 0 };
  const keys: SearchKey[] = [];
  do keys.push(parseKey(r, 0, budget));
  while (r.more());
  return { returns, partial, charset, key: keys.length === 1 ? keys[0]! : { op: 'and', keys } };
}

/** Keys parsed so far in one command, against IMAP_MAX_SEARCH_KEYS / IMAP_MAX_SEARCH_TEXT_KEYS. */
interface KeyBudget { keys: number; textKeys: number }

/** A search string (RFC 3501 astring), refused beyond IMAP_MAX_SEARCH_STRING_BYTES. */
function searchString(r: ArgumentReader, what: string, budget: KeyBudget): string {
  if (++budget.textKeys > IMAP_MAX_SEARCH_TEXT_KEYS) throw new ImapSyntaxError(`More than ${IMAP_MAX_SEARCH_TEXT_KEYS} text search keys`, 'LIMIT');
  return limitedString(r, what);
}

function limitedString(r: ArgumentReader, what: string): string {
  const bytes = r.astringBytes(what);
  if (bytes.length > IMAP_MAX_SEARCH_STRING_BYTES) throw new ImapSyntaxError(`Search string longer than ${IMAP_MAX_SEARCH_STRING_BYTES} bytes`, 'LIMIT');
  return bytes.toString('utf8');
}

export function parseKey(r: ArgumentReader, depth = 0, budget: KeyBudget = { keys: 0, textKeys: 0 }): SearchKey {
  // RFC 3501 §6.4.4 lets keys nest without bound; each level is a frame here and a level of SQL.
  if (depth >= IMAP_MAX_SEARCH_DEPTH) throw new ImapSyntaxError('Search keys nested too deeply', 'LIMIT');
  if (++budget.keys > IMAP_MAX_SEARCH_KEYS) throw new ImapSyntaxError(`More than ${IMAP_MAX_SEARCH_KEYS} search keys`, 'LIMIT');
  const t = r.peek();
  if (!t) throw new ImapSyntaxError('Missing search key');
  if (t.type === 'list') {
    const inner = r.list('search key list');
    const keys: SearchKey[] = [];
    do keys.push(parseKey(inner, depth + 1, budget));
    while (inner.more());
    return keys.length === 1 ? keys[0]! : { op: 'and', keys };
  }
  if (t.type !== 'atom') throw new ImapSyntaxError('Invalid search key');
  const name = t.value.toUpperCase();
  if (/^[\d*$]/.test(name)) return { op: 'seq', set: r.sequenceSet() };
  r.next('search key');
  const flagKey = FLAG_KEYS[name];
  if (flagKey) return { op: 'flag', flag: flagKey[0], present: flagKey[1] };
  const address = ADDRESS_KEYS[name];
  if (address) return { op: 'address', field: address, value: searchString(r, name, budget) };
  if (name === 'SUBJECT') return { op: 'header', field: 'Subject', value: searchString(r, name, budget) };
  const date = DATE_KEYS[name];
  if (date) return { op: date[0], cmp: date[1], day: parseSearchDate(r.astring('date')) };
  switch (name) {
    case 'ALL':
      return { op: 'all' };
    case 'SAVEDATESUPPORTED':
      // RFC 8514 §4.2: every message of a mailbox that keeps save dates; every Postern mailbox does.
      return { op: 'all' };
    case 'EMAILID':
    case 'THREADID':
      return { op: name === 'EMAILID' ? 'emailid' : 'threadid', id: objectId(r) };
    case 'NEW':
      return { op: 'new' };
    case 'OLD':
      return { op: 'recent', present: false };
    case 'RECENT':
      return { op: 'recent', present: true };
    case 'KEYWORD':
    case 'UNKEYWORD':
      return { op: 'flag', flag: flag(keyword(r)), present: name === 'KEYWORD' };
    case 'HEADER': {
      const field = limitedString(r, 'header field name');
      if (!FIELD_NAME.test(field)) throw new ImapSyntaxError('Invalid header field name');
      return { op: 'header', field, value: searchString(r, 'HEADER value', budget) };
    }
    case 'BODY':
      return { op: 'body', value: searchString(r, 'BODY value', budget) };
    case 'TEXT':
      return { op: 'text', value: searchString(r, 'TEXT value', budget) };
    case 'LARGER':
    case 'SMALLER':
      return { op: 'size', cmp: name === 'LARGER' ? 'larger' : 'smaller', size: r.number('size') };
    case 'UID':
      return { op: 'uid', set: r.sequenceSet() };
    case 'NOT':
      return { op: 'not', key: parseKey(r, depth + 1, budget) };
    case 'OR': {
      const a = parseKey(r, depth + 1, budget);
      return { op: 'or', a, b: parseKey(r, depth + 1, budget) };
    }
    case 'MODSEQ': {
      // RFC 7162 §3.1.5: MODSEQ [entry-name entry-type-req] mod-sequence-valzer. Postern keeps one
      // mod-sequence per message, so the entry name only has to be well formed.
      if (r.remaining() >= 3 && r.peek()?.type === 'string') {
        r.string('entry name');
        const type = r.atom('entry type').toLowerCase();
        if (type !== 'priv' && type !== 'shared' && type !== 'all') throw new ImapSyntaxError('Invalid MODSEQ entry type');
      }
      return { op: 'modseq', modseq: r.modseq('MODSEQ value') };
    }
    default:
      throw new ImapSyntaxError(`Unknown search key ${name.slice(0, 40)}`);
  }
}

/** An RFC 8474 objectid argument (EMAILID, THREADID); anything else is BAD. */
function objectId(r: ArgumentReader): string {
  const id = r.astring('objectid');
  if (!OBJECT_ID.test(id)) throw new ImapSyntaxError('Invalid objectid');
  return id;
}

/** A KEYWORD/UNKEYWORD atom, as long as a search string at most (it is matched against every message). */
function keyword(r: ArgumentReader): string {
  const k = r.atom('keyword');
  if (k.length > IMAP_MAX_SEARCH_STRING_BYTES) throw new ImapSyntaxError('Keyword too long', 'LIMIT');
  return k;
}

/** Whether the tree mentions MODSEQ (RFC 7162 §3.1.5: then SEARCH responses carry "(MODSEQ n)"). */
export function usesModseq(key: SearchKey): boolean {
  switch (key.op) {
    case 'modseq':
      return true;
    case 'not':
      return usesModseq(key.key);
    case 'or':
      return usesModseq(key.a) || usesModseq(key.b);
    case 'and':
      return key.keys.some(usesModseq);
    default:
      return false;
  }
}
