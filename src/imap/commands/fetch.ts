// FETCH and UID FETCH (RFC 3501 §6.4.5, §7.4.2) with CHANGEDSINCE/VANISHED (RFC 7162 §3.1.4,
// §3.2.6). Rows are read in pages; ENVELOPE and BODYSTRUCTURE are the strings computed at delivery;
// a body section is a byte range of the stored message found from the stored MIME tree, so nothing
// is reparsed. Output is written page by page, waiting for the socket to drain.
import { command, SELECTED } from './command.ts';
import { ok } from '../session/completion.ts';
import { parseFetchArguments, fetchSetsSeen, type FetchItem, type Section } from '../protocol/fetch-attributes.ts';
import { formatDateTime } from '../protocol/dates.ts';
import { formatNumbers } from '../protocol/sequence-set.ts';
import { ImapSyntaxError } from '../protocol/tokens.ts';
import { indexRanges, uidRanges } from '../session/message-set.ts';
import { flagList } from '../session/flag-text.ts';
import { decodeTransfer, decodeTree, filterHeaderFields, resolvePart, sectionRange, type MimePart } from '../../mime/index.ts';
import { ImapUserError } from '../session/completion.ts';
import { FLAG_BITS } from '../../store/flags.ts';
import type { FetchWants, MessageRow } from '../../store/imap-messages.ts';
import type { ImapSession } from '../session/session.ts';
import { IMAP_FETCH_PAGE_SIZE } from '../../limits.ts';

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
    else if (i.name === 'RFC822.HEADER' || i.name === 'RFC822.TEXT') {
      w.content = true;
      w.mimeTree = true;
    }
  }
  return w;
}

/** Reads a message's bytes: from the row when the whole message came with it, else by range. */
class MessageBytes {
  private readonly s: ImapSession;
  private readonly row: MessageRow;
  private tree: MimePart | null = null;

  constructor(s: ImapSession, row: MessageRow) {
    this.s = s;
    this.row = row;
  }

  private range(start: number, end: number): Buffer | Promise<Buffer> {
    if (this.row.bytes) return this.row.bytes.subarray(start, end);
    return this.s.services.messages.readRange(this.row.contentId, start, end);
  }

  private mime(): MimePart {
    this.tree ??= decodeTree(this.row.mimeTree!);
    return this.tree;
  }

  /** RFC 3516 §4.2: a part's content with its Content-Transfer-Encoding undone (the whole message
   *  for an empty section); null when there is no such part. */
  async binary(section: Section): Promise<Buffer | null> {
    if (section.part.length === 0) return this.range(0, this.row.size);
    const part = resolvePart(this.mime(), section.part);
    const r = sectionRange(this.mime(), section.part, 'ALL');
    if (!part || !r) return null;
    const encoding = part.encoding?.toLowerCase() ?? null;
    if (encoding !== null && !DECODABLE.has(encoding)) throw new ImapUserError('Unknown Content-Transfer-Encoding', 'UNKNOWN-CTE');
    return decodeTransfer(await this.range(r.start, r.end), encoding);
  }

  /** The bytes of a section, or null when the message has no such part. */
  async section(section: Section): Promise<Buffer | null> {
    if (section.part.length === 0 && section.spec === 'ALL') return this.range(0, this.row.size);
    const filtered = section.spec === 'HEADER.FIELDS' || section.spec === 'HEADER.FIELDS.NOT';
    const r = sectionRange(this.mime(), section.part, filtered ? 'HEADER' : section.spec);
    if (!r) return null;
    const bytes = await this.range(r.start, r.end);
    return filtered ? filterHeaderFields(bytes, section.fields, section.spec === 'HEADER.FIELDS.NOT') : bytes;
  }
}

const DECODABLE = new Set(['7bit', '8bit', 'binary', 'base64', 'quoted-printable']);

/** RFC 3516 §4.2: data with NUL (or lines not ending in CRLF) goes out as a literal8. */
function needsLiteral8(data: Buffer): boolean {
  for (let i = 0; i < data.length; i++) {
    const c = data[i]!;
    if (c === 0) return true;
    if (c === 13 && data[i + 1] !== 10) return true;
    if (c === 10 && data[i - 1] !== 13) return true;
  }
  return false;
}

const WHOLE: Section = { part: [], spec: 'ALL', fields: [] };
const HEADER: Section = { part: [], spec: 'HEADER', fields: [] };
const TEXT: Section = { part: [], spec: 'TEXT', fields: [] };

/** What an item reads of the message, or null for items that need no message bytes. */
function sectionOf(item: FetchItem): { section: Section; binary: boolean } | null {
  if (item.kind === 'section') return { section: item.section, binary: item.binary !== null };
  const section = rfc822SectionOf(item);
  return section ? { section, binary: false } : null;
}

function rfc822SectionOf(item: FetchItem & { kind: 'simple' }): Section | null {
  if (item.name === 'RFC822') return WHOLE;
  if (item.name === 'RFC822.HEADER') return HEADER;
  if (item.name === 'RFC822.TEXT') return TEXT;
  return null;
}

/** Output of one page: text runs are joined so the socket sees few, large writes. */
class PageOutput {
  readonly parts: (string | Buffer)[] = [];
  private text = '';

  add(t: string): void {
    this.text += t;
  }

  literal(label: string, data: Buffer | null, binary = false): void {
    if (data === null) {
      this.text += `${label} NIL`;
      return;
    }
    this.text += `${label} ${binary && needsLiteral8(data) ? '~' : ''}{${data.length}}\r\n`;
    this.parts.push(this.text, data);
    this.text = '';
  }

  finish(): (string | Buffer)[] {
    if (this.text) this.parts.push(this.text);
    this.text = '';
    return this.parts;
  }
}

interface RowOptions {
  uid: boolean;
  modseq: boolean;
  flagsChanged: boolean;
}

/** Writes one FETCH response; `data` holds the bytes of each item that needs them, in item order. */
function respond(out: PageOutput, s: ImapSession, row: MessageRow, seq: number, items: FetchItem[], data: (Buffer | null)[], opts: RowOptions): void {
  const view = s.selected!;
  if (opts.flagsChanged || items.some((i) => i.kind === 'simple' && i.name === 'FLAGS')) out.add(view.keywordAnnouncement(row.keywords));
  out.add(`* ${seq} FETCH (`);
  let first = true;
  const sep = () => {
    if (first) first = false;
    else out.add(' ');
  };
  let sawFlags = false;
  let sawModseq = false;
  if (opts.uid) {
    sep();
    out.add(`UID ${row.uid}`);
  }
  let d = 0;
  for (const item of items) {
    if (item.kind === 'section') {
      const bytes = data[d++]!;
      sep();
      if (item.binary === 'size') {
        out.add(`${item.label} ${bytes ? bytes.length : 0}`);
        continue;
      }
      const part = bytes && item.partial ? bytes.subarray(Math.min(item.partial.start, bytes.length), item.partial.start + item.partial.length) : bytes;
      out.literal(item.label, part, item.binary !== null);
      continue;
    }
    switch (item.name) {
      case 'UID':
        if (!opts.uid) {
          sep();
          out.add(`UID ${row.uid}`);
        }
        break;
      case 'FLAGS':
        sawFlags = true;
        sep();
        out.add(`FLAGS ${flagList(row.flags, row.keywords, view.recent.has(row.uid))}`);
        break;
      case 'INTERNALDATE':
        sep();
        out.add(`INTERNALDATE ${formatDateTime(row.internalDate)}`);
        break;
      case 'RFC822.SIZE':
        sep();
        out.add(`RFC822.SIZE ${row.size}`);
        break;
      case 'ENVELOPE':
        sep();
        out.add(`ENVELOPE ${row.envelope}`);
        break;
      case 'BODYSTRUCTURE':
        sep();
        out.add(`BODYSTRUCTURE ${row.bodyStructure}`);
        break;
      case 'BODY':
        sep();
        out.add(`BODY ${row.body}`);
        break;
      case 'MODSEQ':
        if (!sawModseq) {
          sep();
          out.add(`MODSEQ (${row.modseq})`);
        }
        sawModseq = true;
        break;
      default:
        sep();
        out.literal(item.name, data[d++]!);
    }
  }
  // RFC 3501 §6.4.5: a \Seen set by this FETCH is reported; RFC 7162 §3.1.4.1: so is MODSEQ.
  if (opts.flagsChanged && !sawFlags) {
    sep();
    out.add(`FLAGS ${flagList(row.flags, row.keywords, view.recent.has(row.uid))}`);
  }
  if (opts.modseq && !sawModseq) {
    sep();
    out.add(`MODSEQ (${row.modseq})`);
  }
  out.add(')\r\n');
}

export const fetch = command({
  states: SELECTED,
  forbidsExpunge: (cmd) => !cmd.uid,
  parse: (r) => parseFetchArguments(r),
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
    const sections = a.items.map(sectionOf).filter((x) => x !== null);
    const setSeen = !view.readOnly && fetchSetsSeen(a.items);
    const opts = { uid: cmd.uid, modseq: a.changedSince !== null };
    for (const [from, to] of idx) {
      for (let i = from; i <= to; i += IMAP_FETCH_PAGE_SIZE) {
        const j = Math.min(to, i + IMAP_FETCH_PAGE_SIZE - 1);
        const rows = await messages.fetchPage(view.id, view.uids[i]!, view.uids[j]!, j - i + 1, wants, a.changedSince);
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
          let data: (Buffer | null)[] = [];
          if (sections.length > 0) {
            const bytes = new MessageBytes(s, row);
            data = [];
            for (const sec of sections) data.push(await (sec.binary ? bytes.binary(sec.section) : bytes.section(sec.section)));
          }
          respond(out, s, row, k + 1, a.items, data, { ...opts, flagsChanged: seen.has(row.uid) });
        }
        s.writeAll(out.finish());
        await s.drain();
        if (s.isClosed) return ok('FETCH aborted');
      }
    }
    return ok('FETCH completed');
  },
});
