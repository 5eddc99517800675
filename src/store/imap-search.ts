// IMAP SEARCH over the store (RFC 3501 §6.4.4): a search-key tree compiled to one SQL query over a
// mailbox's messages, with the header and text conditions answered from what delivery indexed
// (contents.header_text, contents.search_text). Always true: the query is parameterized (no user text
// is spliced into SQL), returns UIDs ascending, and never reparses a message; every substring
// condition is a linear-time match (substring-match.ts, never LIKE '%…%', which backtracks); a search
// can be limited to a UID range so the command evaluates a big mailbox page by page.
import type { Store } from './store.ts';
import type { Db } from './open.ts';
import { FLAG_BITS, isSystemFlag } from './flags.ts';
import { FoldedNeedle } from './substring-match.ts';

/** A search key with everything session-specific (sequence numbers, \Recent) already turned into UIDs. */
export type StoreSearchKey =
  | { op: 'all' }
  | { op: 'flag'; flag: string; present: boolean }
  | { op: 'header'; field: string; value: string }
  | { op: 'address'; field: 'from' | 'to' | 'cc' | 'bcc'; value: string }
  | { op: 'body'; value: string }
  | { op: 'text'; value: string }
  | { op: 'internaldate'; cmp: 'before' | 'on' | 'since'; day: number }
  | { op: 'sentdate'; cmp: 'before' | 'on' | 'since'; day: number }
  | { op: 'size'; cmp: 'larger' | 'smaller'; size: number }
  | { op: 'uid'; ranges: ReadonlyArray<readonly [number, number]> }
  | { op: 'modseq'; modseq: number }
  | { op: 'not'; key: StoreSearchKey }
  | { op: 'or'; a: StoreSearchKey; b: StoreSearchKey }
  | { op: 'and'; keys: StoreSearchKey[] };

export interface SearchHit {
  uid: number;
  modseq: number;
}

/** A hit with what SORT and THREAD order by (contents.sort_keys is src/mime/sort-keys.ts JSON). */
export interface SortHit extends SearchHit {
  size: number;
  internalDate: number;
  sentDate: number | null;
  sortKeys: string;
}

const DAY_MS = 86_400_000;
/** UID sets with more ranges than this are matched through json_each instead of OR-ed BETWEENs. */
const INLINE_RANGES = 20;

function likePattern(value: string): string {
  return '%' + value.replace(/[\\%_]/g, '\\$&') + '%';
}

/** header_text holds "name: value\n" per field, names lowercased, values decoded (RFC 2047). */
function headerContains(headerText: string, field: string, needle: FoldedNeedle): boolean {
  const prefix = field.toLowerCase() + ': ';
  let at = headerText.startsWith(prefix) ? 0 : -1;
  if (at < 0) {
    const i = headerText.indexOf('\n' + prefix);
    at = i < 0 ? -1 : i + 1;
  }
  while (at >= 0) {
    const end = headerText.indexOf('\n', at);
    const value = headerText.slice(at + prefix.length, end < 0 ? undefined : end);
    if (needle.contains(value)) return true;
    const next = headerText.indexOf('\n' + prefix, at);
    at = next < 0 ? -1 : next + 1;
  }
  return false;
}

class Compiler {
  readonly params: unknown[] = [];
  /** The substring needles of this query, compiled once; SQL refers to them by index. */
  readonly needles: FoldedNeedle[] = [];
  needsContents = false;

  private needle(value: string): number {
    this.needles.push(new FoldedNeedle(value));
    return this.needles.length - 1;
  }

  compile(key: StoreSearchKey): string {
    switch (key.op) {
      case 'all':
        return '1';
      case 'flag':
        if (isSystemFlag(key.flag)) return `(m.flags & ${FLAG_BITS[key.flag]}) ${key.present ? '!=' : '='} 0`;
        this.params.push(likePattern(' ' + key.flag + ' '));
        return `(' ' || m.keywords || ' ') ${key.present ? '' : 'NOT '}LIKE ? ESCAPE '\\'`;
      case 'header':
        this.needsContents = true;
        this.params.push(key.field, this.needle(key.value));
        return 'postern_header_contains(c.header_text, ?, ?)';
      case 'address': {
        // Parsed addresses (contents.address_text); rows indexed before it existed use the header.
        this.needsContents = true;
        const column = "(CASE WHEN c.address_text = '' THEN c.header_text ELSE c.address_text END)";
        this.params.push(key.field, this.needle(key.value));
        return `postern_header_contains(${column}, ?, ?)`;
      }
      case 'body':
        this.needsContents = true;
        return this.textMatch('c.search_text', key.value);
      case 'text':
        this.needsContents = true;
        return `(${this.textMatch('c.header_text', key.value)} OR ${this.textMatch('c.search_text', key.value)})`;
      case 'internaldate':
        return this.dateMatch('m.internal_date', key.cmp, key.day);
      case 'sentdate':
        this.needsContents = true;
        // RFC 3501 §6.4.4: the day as written in Date:, in its own zone (contents.sent_day).
        return this.dateMatch(`coalesce(c.sent_day * ${DAY_MS}, m.internal_date)`, key.cmp, key.day);
      case 'size':
        this.params.push(key.size);
        return key.cmp === 'larger' ? 'm.size > ?' : 'm.size < ?';
      case 'uid':
        if (key.ranges.length === 0) return '0';
        if (key.ranges.length <= INLINE_RANGES) {
          return '(' + key.ranges.map(([a, b]) => {
            this.params.push(a, b);
            return 'm.uid BETWEEN ? AND ?';
          }).join(' OR ') + ')';
        }
        this.params.push(JSON.stringify(key.ranges));
        return "EXISTS (SELECT 1 FROM json_each(?) r WHERE m.uid BETWEEN r.value ->> 0 AND r.value ->> 1)";
      case 'modseq':
        this.params.push(key.modseq);
        return 'm.modseq >= ?';
      case 'not':
        return `NOT (${this.compile(key.key)})`;
      case 'or':
        return `((${this.compile(key.a)}) OR (${this.compile(key.b)}))`;
      case 'and':
        return key.keys.map((k) => `(${this.compile(k)})`).join(' AND ');
    }
  }

  private textMatch(column: string, value: string): string {
    this.params.push(this.needle(value));
    return `postern_text_contains(${column}, ?)`;
  }

  private dateMatch(column: string, cmp: 'before' | 'on' | 'since', day: number): string {
    if (cmp === 'before') {
      this.params.push(day);
      return `${column} < ?`;
    }
    if (cmp === 'since') {
      this.params.push(day);
      return `${column} >= ?`;
    }
    this.params.push(day, day + DAY_MS);
    return `(${column} >= ? AND ${column} < ?)`;
  }
}

export class ImapSearchStore {
  private readonly db: Db;
  /** The needles of the query being run. Queries run synchronously, so one slot is enough. */
  private needles: FoldedNeedle[] = [];

  constructor(store: Store) {
    this.db = store.db;
    this.db.function('postern_header_contains', { deterministic: true }, (text: unknown, field: unknown, needle: unknown) =>
      headerContains(String(text), String(field), this.needles[Number(needle)]!) ? 1 : 0);
    this.db.function('postern_text_contains', { deterministic: true }, (text: unknown, needle: unknown) =>
      this.needles[Number(needle)]!.contains(String(text)) ? 1 : 0);
  }

  /** UIDs (with their MODSEQ) of the mailbox's messages that match, ascending; with `uids`, only
   *  among the messages whose UID is in that inclusive range. */
  async search(mailboxId: number, key: StoreSearchKey, uids?: readonly [number, number]): Promise<SearchHit[]> {
    return this.run(mailboxId, key, false, uids) as SearchHit[];
  }

  /** The matching messages with their sort and thread keys, ascending by UID. */
  async searchForSort(mailboxId: number, key: StoreSearchKey, uids?: readonly [number, number]): Promise<SortHit[]> {
    return this.run(mailboxId, key, true, uids) as SortHit[];
  }

  private run(mailboxId: number, key: StoreSearchKey, forSort: boolean, uids?: readonly [number, number]): unknown[] {
    const c = new Compiler();
    const where = c.compile(key);
    const columns = forSort
      ? 'm.uid, m.modseq, m.size, m.internal_date AS internalDate, c.sent_date AS sentDate, c.sort_keys AS sortKeys'
      : 'm.uid, m.modseq';
    const sql = `SELECT ${columns} FROM messages m ${c.needsContents || forSort ? 'JOIN contents c ON c.id = m.content_id' : ''}
      WHERE m.mailbox_id = ? ${uids ? 'AND m.uid BETWEEN ? AND ?' : ''} AND (${where}) ORDER BY m.uid`;
    this.needles = c.needles;
    try {
      return this.db.prepare(sql).all(mailboxId, ...(uids ? [uids[0], uids[1]] : []), ...c.params);
    } finally {
      this.needles = [];
    }
  }
}
