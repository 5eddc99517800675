// FETCH and UID FETCH (RFC 3501 §6.4.5, §7.4.2) with CHANGEDSINCE/VANISHED (RFC 7162 §3.1.4,
// §3.2.6). Rows are read in pages; ENVELOPE and BODYSTRUCTURE are the strings computed at delivery;
// a body section is a byte range of the stored message found from the stored MIME tree, so nothing
// is reparsed. Always true: a partial (<start.length>) reads only its byte range; a literal larger
// than IMAP_FETCH_STREAM_THRESHOLD is never held whole — it is read and written a chunk at a time, the
// next chunk only once the socket has drained below IMAP_OUTPUT_HIGH_WATER — and output is flushed
// every IMAP_FETCH_FLUSH_BYTES, so a client that stops reading costs about a megabyte whatever it
// asked for; once a literal has started, a failure closes the connection (the reply cannot be
// finished honestly). BINARY[...] (RFC 3516) serves a part with its transfer encoding undone.
import { command, SELECTED } from './command.ts';
import { ok, type Completion } from '../session/completion.ts';
import { parseFetchArguments, fetchSetsSeen, type FetchItem, type Section } from '../protocol/fetch-attributes.ts';
import { formatDateTime } from '../protocol/dates.ts';
import { imapString, literalPrefix, needsLiteral8 } from '../protocol/response-writer.ts';
import { formatNumbers, parseSequenceSet } from '../protocol/sequence-set.ts';
import { ImapSyntaxError } from '../protocol/tokens.ts';
import { indexRanges, uidRanges } from '../session/message-set.ts';
import { flagList } from '../session/flag-text.ts';
import { literalSize, MessageBytes, writeOut, type Literal } from '../session/message-bytes.ts';
import { FLAG_BITS } from '../../store/flags.ts';
import type { FetchWants, FlagRow, MessageRow } from '../../store/messages.ts';
import type { ImapSession } from '../session/session.ts';
import { IMAP_MAX_FETCH_HEADER_FIELDS, IMAP_MAX_FETCH_ITEMS, IMAP_FETCH_FLUSH_BYTES, IMAP_FETCH_FLAGS_PAGE_SIZE, IMAP_FETCH_PAGE_SIZE } from '../../limits.ts';

const SEEN = FLAG_BITS['\\Seen'];

function wantsOf(items: FetchItem[]): FetchWants {
  const w: FetchWants = {};
  for (const i of items) {
    if (i.kind === 'section') {
      w.content = true;
      if (i.section.part.length > 0 || i.section.spec !== 'ALL') w.mimeTree = true;
    } else if (i.name === 'ENVELOPE') w.envelope = true;
    else if (i.name === 'BODYSTRUCTURE') w.bodyStructure = true;
    else if (i.name === 'BODY') w.body = true;
    else if (i.name === 'RFC822') w.content = true;
    else if (i.name === 'SAVEDATE') w.saveDate = true;
    else if (i.name === 'EMAILID') w.emailId = true;
    else if (i.name === 'PREVIEW') {
      w.content = true;
      w.mimeTree = true;
    }
    else if (i.name === 'RFC822.HEADER' || i.name === 'RFC822.TEXT') {
      w.content = true;
      w.mimeTree = true;
    }
  }
  return w;
}

const WHOLE: Section = { part: [], spec: 'ALL', fields: [] };
const HEADER: Section = { part: [], spec: 'HEADER', fields: [] };
const TEXT: Section = { part: [], spec: 'TEXT', fields: [] };

/** The section an item serves, or null for items that need no message bytes. */
function sectionOf(item: FetchItem): Section | null {
  if (item.kind === 'section') return item.section;
  if (item.name === 'RFC822') return WHOLE;
  if (item.name === 'RFC822.HEADER') return HEADER;
  if (item.name === 'RFC822.TEXT') return TEXT;
  return null;
}

/** Output being gathered: text runs are joined so the socket sees few, large writes. */
class PageOutput {
  parts: (string | Literal)[] = [];
  private text = '';
  /** Bytes held in parts (streamed ranges are not held, so they do not count). */
  held = 0;
  /** A streamed range is among the parts (it is written at once, with backpressure). */
  streamed = false;

  add(t: string): void {
    this.text += t;
  }

  literal(label: string, data: Literal | null, binary = false): void {
    if (data === null) {
      this.text += `${label} NIL`;
      return;
    }
    this.text += `${label} ${literalPrefix(literalSize(data), binary && Buffer.isBuffer(data) && needsLiteral8(data))}`;
    this.parts.push(this.text, data);
    this.held += this.text.length + (Buffer.isBuffer(data) ? data.length : 0);
    if (!Buffer.isBuffer(data)) this.streamed = true;
    this.text = '';
  }

  /** Takes what was gathered, leaving the output empty. */
  take(): (string | Literal)[] {
    if (this.text) this.parts.push(this.text);
    const parts = this.parts;
    this.parts = [];
    this.text = '';
    this.held = 0;
    this.streamed = false;
    return parts;
  }
}

interface RowOptions {
  uid: boolean;
  modseq: boolean;
  /** FLAGS is among the items (computed once per command, not per row). */
  flags: boolean;
  flagsChanged: boolean;
}

/** A row as FETCH formats it: a flag-only FETCH reads only these columns (ImapMessages.flagPage),
 *  and then asks for no item that needs the others. */
type FetchRow = FlagRow & Partial<Omit<MessageRow, keyof FlagRow>>;

/** Writes one FETCH response; `data` holds the bytes of each item that needs them, in item order
 *  (a section's partial range already applied). Text is gathered in a local string and handed to
 *  the output once per response (or before a literal): this runs once per message of the range. */
function respond(out: PageOutput, s: ImapSession, row: FetchRow, seq: number, items: FetchItem[], data: (Literal | null)[], opts: RowOptions, preview: string | null): void {
  const view = s.selected!;
  let t = opts.flagsChanged || opts.flags ? view.keywordAnnouncement(row.keywords) : '';
  t += `* ${seq} FETCH (`;
  let first = true;
  let sawFlags = false;
  let sawModseq = false;
  if (opts.uid) {
    first = false;
    t += `UID ${row.uid}`;
  }
  let d = 0;
  for (const item of items) {
    if (item.kind === 'section') {
      if (first) first = false;
      else t += ' ';
      const bytes = data[d++]!;
      if (item.binary === 'size') t += `${item.label} ${bytes ? literalSize(bytes) : 0}`;
      else {
        out.add(t);
        t = '';
        out.literal(item.label, bytes, item.binary !== null);
      }
      continue;
    }
    let text: string;
    switch (item.name) {
      case 'UID':
        if (opts.uid) continue;
        text = `UID ${row.uid}`;
        break;
      case 'FLAGS':
        sawFlags = true;
        text = `FLAGS ${flagList(row.flags, row.keywords, view.recent.has(row.uid))}`;
        break;
      case 'INTERNALDATE':
        text = `INTERNALDATE ${formatDateTime(row.internalDate!)}`;
        break;
      case 'SAVEDATE':
        // RFC 8514 §3: every Postern mailbox keeps save dates, so never NIL.
        text = `SAVEDATE ${formatDateTime(row.saveDate!)}`;
        break;
      case 'EMAILID':
        text = `EMAILID (${row.emailId})`;
        break;
      case 'THREADID':
        // RFC 8474 §5.2: NIL when the server does not thread; threads here are per mailbox
        // (THREAD=REFERENCES) and change as mail arrives, so they cannot be a stable THREADID.
        text = 'THREADID NIL';
        break;
      case 'RFC822.SIZE':
        text = `RFC822.SIZE ${row.size}`;
        break;
      case 'ENVELOPE':
        text = `ENVELOPE ${row.envelope}`;
        break;
      case 'BODYSTRUCTURE':
        text = `BODYSTRUCTURE ${row.bodyStructure}`;
        break;
      case 'BODY':
        text = `BODY ${row.body}`;
        break;
      case 'PREVIEW':
        // RFC 8970 §5: an nstring; text beyond ASCII goes as a literal of its UTF-8.
        text = `PREVIEW ${imapString(preview!)}`;
        break;
      case 'MODSEQ':
        if (sawModseq) continue;
        sawModseq = true;
        text = `MODSEQ (${row.modseq})`;
        break;
      default:
        if (first) first = false;
        else t += ' ';
        out.add(t);
        t = '';
        out.literal(item.name, data[d++]!);
        continue;
    }
    if (first) first = false;
    else t += ' ';
    t += text;
  }
  // RFC 3501 §6.4.5: a \Seen set by this FETCH is reported; RFC 7162 §3.1.4.1: so is MODSEQ.
  if (opts.flagsChanged && !sawFlags) {
    if (!first) t += ' ';
    first = false;
    t += `FLAGS ${flagList(row.flags, row.keywords, view.recent.has(row.uid))}`;
  }
  if (opts.modseq && !sawModseq) {
    if (!first) t += ' ';
    t += `MODSEQ (${row.modseq})`;
  }
  out.add(t + ')\r\n');
}

/** Items a flag-only page (ImapMessages.flagPage) can answer. */
const FLAG_ONLY_ITEMS = new Set(['UID', 'FLAGS', 'MODSEQ']);

export const fetch = command({
  states: SELECTED,
  uid: true,
  forbidsExpunge: (cmd) => !cmd.uid,
  parse: (r) => {
    const a = parseFetchArguments(r);
    // Each item is work per message: their number, and a HEADER.FIELDS list's length, are bounded.
    if (a.items.length > IMAP_MAX_FETCH_ITEMS) throw new ImapSyntaxError(`At most ${IMAP_MAX_FETCH_ITEMS} FETCH items`, 'LIMIT');
    if (a.items.some((i) => i.kind === 'section' && i.section.fields.length > IMAP_MAX_FETCH_HEADER_FIELDS)) {
      throw new ImapSyntaxError(`At most ${IMAP_MAX_FETCH_HEADER_FIELDS} header field names`, 'LIMIT');
    }
    return a;
  },
  async run(s, a, cmd) {
    const view = s.selected!;
    const { messages } = s.services;
    if (a.vanished && (!cmd.uid || !s.qresync)) throw new ImapSyntaxError('VANISHED needs UID FETCH and ENABLE QRESYNC');
    if (a.changedSince !== null || a.items.some((i) => i.kind === 'simple' && i.name === 'MODSEQ')) s.enableCondstore();
    const idx = indexRanges(view, a.set, cmd.uid);
    if (a.vanished) {
      const gone = await messages.vanishedSince(view.id, a.changedSince!, uidRanges(view, idx).length > 0 ? uidRanges(view, idx) : null);
      if (gone.length > 0) s.untagged(`VANISHED (EARLIER) ${formatNumbers(gone)}`);
    }
    const wants = wantsOf(a.items);
    const sections = a.items.flatMap((item) => {
      const section = sectionOf(item);
      return section ? [{ section, partial: item.kind === 'section' ? item.partial : null, binary: item.kind === 'section' && item.binary !== null }] : [];
    });
    // Rows that carry message bytes come in pages the store bounds by their bytes (the page is held
    // while the client reads): such a page may end before the range does, and the next starts after it.
    // A FETCH of flags only (a client resynchronizing a whole mailbox) reads only the flag columns,
    // in larger pages: its rows are small.
    const flagsOnly = a.items.every((i) => i.kind === 'simple' && FLAG_ONLY_ITEMS.has(i.name));
    const pageSize = flagsOnly ? IMAP_FETCH_FLAGS_PAGE_SIZE : IMAP_FETCH_PAGE_SIZE;
    const setSeen = !view.readOnly && fetchSetsSeen(a.items);
    const wantsPreview = a.items.some((i) => i.kind === 'simple' && i.name === 'PREVIEW');
    const opts: RowOptions = {
      uid: cmd.uid,
      modseq: a.changedSince !== null,
      flags: a.items.some((i) => i.kind === 'simple' && i.name === 'FLAGS'),
      flagsChanged: false,
    };
    for (const [from, to] of idx) {
      for (let i = from, j = i; i <= to; i = j + 1) {
        j = Math.min(to, i + pageSize - 1);
        const rows: FetchRow[] = flagsOnly
          ? await messages.flagPage(view.id, view.uids[i]!, view.uids[j]!, j - i + 1, a.changedSince)
          : await messages.fetchPage(view.id, view.uids[i]!, view.uids[j]!, j - i + 1, wants, a.changedSince);
        if (wants.content && rows.length > 0) {
          const last = rows[rows.length - 1]!.uid;
          while (j > i && view.uids[j]! > last) j--;
        }
        let seen = new Set<number>();
        if (setSeen) {
          const unseen = rows.filter((r) => (r.flags & SEEN) === 0).map((r) => r.uid);
          if (unseen.length > 0) {
            const changed = await messages.markSeen(s.account!.id, view.id, unseen);
            for (const c of changed) view.markOwn('flags', c.modseq);
            const byUid = new Map(changed.map((c) => [c.uid, c]));
            for (const r of rows) {
              const c = byUid.get(r.uid);
              if (c) {
                r.flags = c.flags;
                r.modseq = c.modseq;
              }
            }
            seen = new Set(byUid.keys());
          }
        }
        let k = i;
        const out = new PageOutput();
        for (const row of rows) {
          while (k <= j && view.uids[k]! < row.uid) k++;
          if (k > j || view.uids[k] !== row.uid) continue;
          let data: (Literal | null)[] = [];
          if (sections.length > 0) {
            const bytes = new MessageBytes(s, row as MessageRow);
            data = [];
            for (const sec of sections) data.push(await (sec.binary ? bytes.binary(sec.section, sec.partial) : bytes.section(sec.section, sec.partial)));
          }
          const preview = wantsPreview ? await new MessageBytes(s, row as MessageRow).preview() : null;
          opts.flagsChanged = seen.has(row.uid);
          respond(out, s, row, k + 1, a.items, data, opts, preview);
          if (out.held >= IMAP_FETCH_FLUSH_BYTES || out.streamed) {
            if (!(await writeOut(s, out.take()))) return ok('FETCH aborted');
          }
        }
        if (!(await writeOut(s, out.take()))) return ok('FETCH aborted');
      }
    }
    return ok('FETCH completed');
  },
});

/** UID FETCH of the range from the first to the last of `uids` (ascending): NOTIFY's MessageNew
 *  fetch (RFC 5465 §5.2), answered untagged like any FETCH. */
export function fetchNew(s: ImapSession, uids: readonly number[], items: FetchItem[]): Promise<Completion> {
  const set = parseSequenceSet(`${uids[0]}:${uids[uids.length - 1]}`);
  return fetch.run(s, { set, items, changedSince: null, vanished: false }, { tag: '*', name: 'FETCH', uid: true, args: [] });
}
