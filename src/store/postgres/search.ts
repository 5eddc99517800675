// The PostgreSQL engine's imap-search area (the interface is ImapSearch in src/store/api.ts): the
// search-key tree of src/store/sqlite/search.ts compiled to one parameterized query over a
// mailbox's messages, answered from what delivery indexed (contents.header_text, search_text,
// address_text). Substrings match case-insensitively as the SQLite engine's FoldedNeedle does
// (JavaScript toLowerCase): a needle of ASCII only is matched with ILIKE, which folds ASCII in
// every database locale and which the pg_trgm GIN indexes of migrations/postgres/0001 can answer;
// any other needle with strpos over lower(… COLLATE "und-x-icu"), Unicode case mapping whatever
// the database's locale, and linear in the text. Always true: no user text is spliced into SQL
// (LIKE metacharacters in a needle are escaped), UIDs come back ascending, the whole search is
// one statement in one read-only snapshot, and a search still running past its time budget
// (IMAP_SEARCH_MAX_MS) is cancelled by the server (statement_timeout) and reported as
// SearchTimeLimitError, as is one that finished past it.
import type { ImapSearch } from '../api.ts';
import { SearchTimeLimitError, type SearchHit, type SortHit, type StoreSearchKey } from '../search.ts';
import { FLAG_BITS, isSystemFlag } from '../flags.ts';
import type { Tx } from './connect.ts';
import type { PgContext } from './context.ts';

const DAY_MS = 86_400_000;
/** SQLSTATE query_canceled: what statement_timeout raises. */
const QUERY_CANCELED = '57014';

type Fragment = ReturnType<Tx['unsafe']>;

function likePattern(value: string): string {
  return '%' + value.replace(/[\\%_]/g, '\\$&') + '%';
}

function isAscii(value: string): boolean {
  return /^[\x00-\x7f]*$/.test(value);
}

class Compiler {
  needsContents = false;
  private readonly tx: Tx;

  constructor(tx: Tx) {
    this.tx = tx;
  }

  compile(key: StoreSearchKey): Fragment {
    const tx = this.tx;
    switch (key.op) {
      case 'all':
        return tx`TRUE`;
      case 'flag':
        if (isSystemFlag(key.flag)) {
          return key.present ? tx`(m.flags & ${FLAG_BITS[key.flag]}) <> 0` : tx`(m.flags & ${FLAG_BITS[key.flag]}) = 0`;
        }
        // Keywords compare case-insensitively; they are atoms (ASCII), which ILIKE folds everywhere.
        if (key.flag.includes('\0')) return key.present ? tx`FALSE` : tx`TRUE`;
        return key.present
          ? tx`(' ' || m.keywords || ' ') ILIKE ${likePattern(' ' + key.flag + ' ')}`
          : tx`(' ' || m.keywords || ' ') NOT ILIKE ${likePattern(' ' + key.flag + ' ')}`;
      case 'header':
        this.needsContents = true;
        return this.fieldMatch(tx`c.header_text`, key.field, key.value);
      case 'address':
        // Parsed addresses (contents.address_text); rows indexed before it existed use the header.
        this.needsContents = true;
        return this.fieldMatch(tx`(CASE WHEN c.address_text = '' THEN c.header_text ELSE c.address_text END)`, key.field, key.value);
      case 'body':
        this.needsContents = true;
        return this.textMatch(tx`c.search_text`, key.value);
      case 'text':
        this.needsContents = true;
        return tx`(${this.textMatch(tx`c.header_text`, key.value)} OR ${this.textMatch(tx`c.search_text`, key.value)})`;
      case 'internaldate':
        return this.dateMatch(tx`m.internal_date`, key.cmp, key.day);
      case 'savedate':
        return this.dateMatch(tx`m.save_date`, key.cmp, key.day);
      case 'emailid':
        // PostgreSQL text never holds NUL, so no EMAILID has one (and binding it would fail).
        return key.id.includes('\0') ? tx`FALSE` : tx`m.email_id = ${key.id}`;
      case 'sentdate':
        this.needsContents = true;
        // RFC 3501 §6.4.4: the day as written in Date:, in its own zone (contents.sent_day).
        return this.dateMatch(tx`coalesce(c.sent_day * ${DAY_MS}, m.internal_date)`, key.cmp, key.day);
      case 'size':
        return key.cmp === 'larger' ? tx`m.size > ${key.size}` : tx`m.size < ${key.size}`;
      case 'uid':
        if (key.ranges.length === 0) return tx`FALSE`;
        return tx`EXISTS (SELECT 1 FROM unnest(${tx.array(key.ranges.map((r) => r[0]))}::bigint[], ${tx.array(key.ranges.map((r) => r[1]))}::bigint[]) AS r(a, b)
          WHERE m.uid BETWEEN r.a AND r.b)`;
      case 'modseq':
        return tx`m.modseq >= ${key.modseq}`;
      case 'not':
        return tx`NOT (${this.compile(key.key)})`;
      case 'or':
        return tx`((${this.compile(key.a)}) OR (${this.compile(key.b)}))`;
      case 'and': {
        if (key.keys.length === 0) return tx`TRUE`;
        let out = tx`(${this.compile(key.keys[0]!)})`;
        for (const k of key.keys.slice(1)) out = tx`${out} AND (${this.compile(k)})`;
        return out;
      }
    }
  }

  /** `column` contains `value`, ignoring case (see the file comment for how). */
  private textMatch(column: Fragment, value: string): Fragment {
    const tx = this.tx;
    // PostgreSQL text never holds NUL, so no stored text contains a needle with one (and binding it would fail).
    if (value.includes('\0')) return tx`FALSE`;
    if (isAscii(value)) return tx`(${column} ILIKE ${likePattern(value)})`;
    return tx`(strpos(lower(${column} COLLATE "und-x-icu"), ${value.toLowerCase()}) > 0)`;
  }

  /** Some "name: value" line of `column` for the field has `value` in its value (header_text holds
   *  one line per field, names lowercased, values decoded). The whole-text check comes first: it
   *  is implied by the line check, and the trigram index can answer it. */
  private fieldMatch(column: Fragment, field: string, value: string): Fragment {
    const tx = this.tx;
    if (field.includes('\0')) return tx`FALSE`;
    const prefix = field.toLowerCase() + ': ';
    const line = tx`substr(l, ${prefix.length + 1})`;
    return tx`(${this.textMatch(column, value)} AND EXISTS (SELECT 1 FROM regexp_split_to_table(${column}, E'\\n') AS l
      WHERE starts_with(l, ${prefix}) AND ${this.textMatch(line, value)}))`;
  }

  private dateMatch(column: Fragment, cmp: 'before' | 'on' | 'since', day: number): Fragment {
    const tx = this.tx;
    if (cmp === 'before') return tx`${column} < ${day}`;
    if (cmp === 'since') return tx`${column} >= ${day}`;
    return tx`(${column} >= ${day} AND ${column} < ${day + DAY_MS})`;
  }
}

export class PgImapSearch implements ImapSearch {
  private readonly ctx: PgContext;
  private readonly maxMs: number;

  constructor(ctx: PgContext, maxMs: number) {
    this.ctx = ctx;
    this.maxMs = maxMs;
  }

  /** UIDs (with their MODSEQ) of the mailbox's messages that match, ascending. */
  async search(mailboxId: number, key: StoreSearchKey): Promise<SearchHit[]> {
    const rows = await this.run(mailboxId, key, false);
    return rows.map((r) => ({ uid: r.uid, modseq: r.modseq }));
  }

  /** The matching messages with their sort and thread keys, ascending by UID. */
  async searchForSort(mailboxId: number, key: StoreSearchKey): Promise<SortHit[]> {
    const rows = await this.run(mailboxId, key, true);
    return rows.map((r) => ({ uid: r.uid, modseq: r.modseq, size: r.size, internalDate: r.internalDate, sentDate: r.sentDate, sortKeys: r.sortKeys }));
  }

  private async run(mailboxId: number, key: StoreSearchKey, forSort: boolean): Promise<SortHit[]> {
    const started = performance.now();
    try {
      const rows = await this.ctx.snapshot(async (tx) => {
        // statement_timeout 0 would mean "none": the budget is at least 1 ms.
        await tx.unsafe(`SET LOCAL statement_timeout = ${Math.max(1, Math.ceil(this.maxMs))}`);
        const c = new Compiler(tx);
        const where = c.compile(key);
        const columns = forSort
          ? tx`m.uid, m.modseq, m.size, m.internal_date AS "internalDate", c.sent_date AS "sentDate", c.sort_keys AS "sortKeys"`
          : tx`m.uid, m.modseq`;
        const join = c.needsContents || forSort ? tx`JOIN contents c ON c.id = m.content_id` : tx``;
        return await tx<SortHit[]>`SELECT ${columns} FROM messages m ${join} WHERE m.mailbox_id = ${mailboxId} AND (${where}) ORDER BY m.uid`;
      });
      // As on SQLite: a search that ran past its budget is answered as one, even if it just finished.
      if (performance.now() - started > this.maxMs) throw new SearchTimeLimitError();
      return rows;
    } catch (err) {
      if ((err as { code?: string }).code === QUERY_CANCELED) throw new SearchTimeLimitError();
      throw err;
    }
  }
}
