// IMAP SEARCH over the store (RFC 3501 §6.4.4): a search-key tree compiled to SQL over a mailbox's
// messages, with the header and text conditions answered from what delivery indexed
// (contents.header_text, contents.search_text). When the key requires a substring of three or more
// characters, the FTS5 trigram index (search_fts) narrows the mailbox to candidates first and the
// exact check confirms each; otherwise the mailbox is scanned a window of UIDs at a time, yielding
// to the event loop between windows. Always true: the query is parameterized (no user text is
// spliced into SQL), the result is exactly what the exact checks say (the index only narrows), UIDs
// come back ascending, and no message is reparsed; every exact substring check is linear in the text
// (substring-match.ts: never LIKE '%…%', which backtracks — a 401-byte key over 64 messages held the
// event loop 8.7 s); each window is sized so it takes about IMAP_SEARCH_SLICE_MS, and a search still
// running past its time budget (IMAP_SEARCH_MAX_MS) stops with SearchTimeLimitError.
import type { SqliteStore } from './store.ts';
import type { Db } from './open.ts';
import { FLAG_BITS, isSystemFlag } from '../flags.ts';
import { IMAP_SEARCH_FTS_MAX_TRIGRAMS, IMAP_SEARCH_FTS_WINDOW, IMAP_SEARCH_PAGE_SIZE, IMAP_SEARCH_SLICE_MS } from '../../limits.ts';
import { FoldedNeedle } from '../substring-match.ts';
import type { ImapSearch } from '../api.ts';
import { SearchTimeLimitError, type StoreSearchKey, type SearchHit, type SortHit } from '../search.ts';

/** Messages in the first window of a search that reads message text; later windows adapt. */
const FIRST_TEXT_WINDOW = 64;

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
      case 'savedate':
        return this.dateMatch('m.save_date', key.cmp, key.day);
      case 'emailid':
        this.params.push(key.id);
        return 'm.email_id = ?';
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

/** A substring the FTS index can narrow by: a top-level BODY, TEXT or SUBJECT/HEADER key. */
interface Narrowing { columns: 'search_text' | 'header_text' | null; value: string }

function narrowingOf(key: StoreSearchKey): Narrowing | null {
  // A NUL cannot be in an FTS5 query string (SQLite ends the string there); such a needle scans.
  const usable = (v: string) => Array.from(v).length >= 3 && !v.includes('\0');
  switch (key.op) {
    case 'body': return usable(key.value) ? { columns: 'search_text', value: key.value } : null;
    case 'text': return usable(key.value) ? { columns: null, value: key.value } : null;
    case 'header': return usable(key.value) ? { columns: 'header_text', value: key.value } : null;
    case 'and':
      for (const k of key.keys) {
        const n = narrowingOf(k);
        if (n) return n;
      }
      return null;
    default:
      return null;
  }
}

/** An FTS5 query for the trigram tokenizer: every (sampled) trigram of the value must occur. The
 *  trigrams are single tokens, so the query needs no phrase support (detail=column). */
export function trigramQuery(n: Narrowing): string {
  const chars = Array.from(n.value);
  const grams = [...new Set(chars.slice(0, -2).map((_, i) => chars.slice(i, i + 3).join('')))];
  const step = Math.max(1, Math.ceil(grams.length / IMAP_SEARCH_FTS_MAX_TRIGRAMS));
  const picked = grams.filter((_, i) => i % step === 0 || i === grams.length - 1).slice(0, IMAP_SEARCH_FTS_MAX_TRIGRAMS + 1);
  const terms = picked.map((g) => `"${g.replace(/"/g, '""')}"`).join(' AND ');
  return n.columns ? `${n.columns} : (${terms})` : `(${terms})`;
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export class ImapSearchStore implements ImapSearch {
  private readonly db: Db;
  /** The needles of the query being run. Each query runs synchronously, so one slot is enough. */
  private needles: FoldedNeedle[] = [];
  private readonly maxMs: number;

  constructor(store: SqliteStore, maxMs: number) {
    this.db = store.db;
    this.maxMs = maxMs;
    this.db.function('postern_header_contains', { deterministic: true }, (text: unknown, field: unknown, needle: unknown) =>
      headerContains(String(text), String(field), this.needles[Number(needle)]!) ? 1 : 0);
    this.db.function('postern_text_contains', { deterministic: true }, (text: unknown, needle: unknown) =>
      this.needles[Number(needle)]!.contains(String(text)) ? 1 : 0);
  }

  /** UIDs (with their MODSEQ) of the mailbox's messages that match, ascending. */
  async search(mailboxId: number, key: StoreSearchKey): Promise<SearchHit[]> {
    return (await this.run(mailboxId, key, false)) as SearchHit[];
  }

  /** The matching messages with their sort and thread keys, ascending by UID. */
  async searchForSort(mailboxId: number, key: StoreSearchKey): Promise<SortHit[]> {
    return (await this.run(mailboxId, key, true)) as SortHit[];
  }

  private async run(mailboxId: number, key: StoreSearchKey, forSort: boolean): Promise<unknown[]> {
    const c = new Compiler();
    const where = c.compile(key);
    const columns = forSort
      ? 'm.uid, m.modseq, m.size, m.internal_date AS internalDate, c.sent_date AS sentDate, c.sort_keys AS sortKeys'
      : 'm.uid, m.modseq';
    const from = `FROM messages m ${c.needsContents || forSort ? 'JOIN contents c ON c.id = m.content_id' : ''}`;
    const out: unknown[] = [];
    const started = performance.now();
    // Windows that read message text start small and adapt to the time slice; others are cheap.
    let size = c.needsContents ? FIRST_TEXT_WINDOW : IMAP_SEARCH_PAGE_SIZE;
    const timed = <T>(query: () => T): T => {
      const t0 = performance.now();
      this.needles = c.needles;
      try {
        return query();
      } finally {
        this.needles = [];
        const took = performance.now() - t0;
        if (took > IMAP_SEARCH_SLICE_MS) size = Math.max(1, Math.floor(size / 2));
        else if (took < IMAP_SEARCH_SLICE_MS / 4) size = Math.min(IMAP_SEARCH_PAGE_SIZE, size * 2);
      }
    };
    // Checked between windows and at the end: a search that ran past its budget is answered as
    // one even if its last window just finished (the PostgreSQL engine does the same).
    const withinBudget = () => {
      if (performance.now() - started > this.maxMs) throw new SearchTimeLimitError();
    };
    const pause = async () => {
      withinBudget();
      await yieldToLoop();
    };
    const done = () => {
      withinBudget();
      return out;
    };
    const narrowing = narrowingOf(key);
    if (narrowing && this.fullyIndexed(mailboxId)) {
      // The index names the candidates; the full condition (with its exact checks) runs on them a
      // page at a time.
      // Driven by the index (CROSS JOIN keeps that order): each posting is one lookup by content id.
      // A window of content ids per lookup, so a word found in every message is not one long stall.
      const lookup = this.db.prepare(`SELECT m.uid FROM search_fts f CROSS JOIN messages m ON m.content_id = f.rowid
        WHERE search_fts MATCH ? AND f.rowid >= ? AND f.rowid < ? AND m.mailbox_id = ?`).pluck();
      const query = trigramQuery(narrowing);
      const top = (this.db.prepare('SELECT max(id) FROM contents').pluck().get() as number | null) ?? 0;
      // Messages whose text the indexer has not reached yet (migrations/0102) are candidates too.
      // Read before the index: a row the indexer moves meanwhile is then found in one or the other.
      const found = new Set(this.db.prepare(`SELECT m.uid FROM search_fts_pending p CROSS JOIN messages m ON m.content_id = p.content_id
        WHERE m.mailbox_id = ?`).pluck().all(mailboxId) as number[]);
      for (let lo = 0; lo <= top; lo += IMAP_SEARCH_FTS_WINDOW) {
        if (lo > 0) await pause();
        for (const uid of lookup.all(query, lo, lo + IMAP_SEARCH_FTS_WINDOW, mailboxId) as number[]) found.add(uid);
      }
      const candidates = [...found].sort((x, y) => x - y);
      const page = this.db.prepare(`SELECT ${columns} ${from} WHERE m.mailbox_id = ? AND m.uid IN (SELECT value FROM json_each(?)) AND (${where}) ORDER BY m.uid`);
      for (let i = 0; i < candidates.length;) {
        if (i > 0) await pause();
        const slice = candidates.slice(i, i + size);
        i += slice.length;
        out.push(...timed(() => page.all(mailboxId, JSON.stringify(slice), ...c.params)));
      }
      return done();
    }
    // A scan: one window of messages per query, the event loop served between.
    const window = this.db.prepare(`SELECT ${columns} ${from} WHERE m.mailbox_id = ? AND m.uid >= ? AND m.uid < ? AND (${where}) ORDER BY m.uid`);
    const boundary = this.db.prepare('SELECT uid FROM messages WHERE mailbox_id = ? AND uid >= ? ORDER BY uid LIMIT 1 OFFSET ?').pluck();
    for (let lo = 0; ;) {
      const hi = (boundary.get(mailboxId, lo, size) as number | undefined) ?? Number.MAX_SAFE_INTEGER;
      out.push(...timed(() => window.all(mailboxId, lo, hi, ...c.params)));
      if (hi === Number.MAX_SAFE_INTEGER) return done();
      lo = hi;
      await pause();
    }
  }

  /** Whether every message of the mailbox is in the FTS index (content stored after it existed, or
   *  added by `postern reindex`). */
  private fullyIndexed(mailboxId: number): boolean {
    const floor = this.db.prepare("SELECT value FROM counters WHERE name = 'fts_floor'").pluck().get() as number | undefined;
    // Content ids start at 1: a floor of 1 (a database that was empty when the index came) excludes nothing.
    if (!floor || floor <= 1) return true;
    return !this.db.prepare('SELECT 1 FROM messages INDEXED BY messages_content WHERE content_id < ? AND mailbox_id = ? LIMIT 1').get(floor, mailboxId);
  }
}
