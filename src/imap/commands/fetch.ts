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
import { decodeTree, filterHeaderFields, sectionRange, type MimePart } from '../../mime/index.ts';
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

/** Reads a message's bytes for one request: from the row when the whole message came with it. */
class MessageBytes {
  private readonly s: ImapSession;
  private readonly row: MessageRow;
  private tree: MimePart | null = null;

  constructor(s: ImapSession, row: MessageRow) {
    this.s = s;
    this.row = row;
  }

  async range(start: number, end: number): Promise<Buffer> {
    if (this.row.bytes) return this.row.bytes.subarray(start, end);
    return this.s.services.messages.readRange(this.row.contentId, start, end);
  }

  mime(): MimePart {
    this.tree ??= decodeTree(this.row.mimeTree!);
    return this.tree;
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

/** Appends one literal or NIL to the output under construction. */
function literal(out: (string | Buffer)[], label: string, data: Buffer | null): void {
  if (data === null) {
    out.push(`${label} NIL`);
    return;
  }
  out.push(`${label} {${data.length}}\r\n`, data);
}

async function respond(s: ImapSession, row: MessageRow, seq: number, items: FetchItem[], opts: { uid: boolean; modseq: boolean; flagsChanged: boolean }): Promise<(string | Buffer)[]> {
  const view = s.selected!;
  const bytes = new MessageBytes(s, row);
  const out: (string | Buffer)[] = [];
  const fields: (string | Buffer)[][] = [];
  const add = (x: string) => fields.push([x]);
  let sawFlags = false;
  let sawModseq = false;
  if (opts.uid) add(`UID ${row.uid}`);
  for (const item of items) {
    if (item.kind === 'section') {
      const data = await bytes.section(item.section);
      const part = data && item.partial ? data.subarray(Math.min(item.partial.start, data.length), item.partial.start + item.partial.length) : data;
      const f: (string | Buffer)[] = [];
      literal(f, item.label, part);
      fields.push(f);
      continue;
    }
    switch (item.name) {
      case 'UID':
        if (!opts.uid) add(`UID ${row.uid}`);
        break;
      case 'FLAGS':
        sawFlags = true;
        add(`FLAGS ${flagList(row.flags, row.keywords, view.recent.has(row.uid))}`);
        break;
      case 'INTERNALDATE':
        add(`INTERNALDATE ${formatDateTime(row.internalDate)}`);
        break;
      case 'RFC822.SIZE':
        add(`RFC822.SIZE ${row.size}`);
        break;
      case 'ENVELOPE':
        add(`ENVELOPE ${row.envelope}`);
        break;
      case 'BODYSTRUCTURE':
        add(`BODYSTRUCTURE ${row.bodyStructure}`);
        break;
      case 'BODY':
        add(`BODY ${row.body}`);
        break;
      case 'MODSEQ':
        if (!sawModseq) add(`MODSEQ (${row.modseq})`);
        sawModseq = true;
        break;
      case 'RFC822': {
        const f: (string | Buffer)[] = [];
        literal(f, 'RFC822', await bytes.range(0, row.size));
        fields.push(f);
        break;
      }
      case 'RFC822.HEADER':
      case 'RFC822.TEXT': {
        const f: (string | Buffer)[] = [];
        literal(f, item.name, await bytes.section({ part: [], spec: item.name === 'RFC822.HEADER' ? 'HEADER' : 'TEXT', fields: [] }));
        fields.push(f);
        break;
      }
    }
  }
  // RFC 3501 §6.4.5: a \Seen set by this FETCH is reported; RFC 7162 §3.1.4.1: so is MODSEQ.
  if (opts.flagsChanged && !sawFlags) add(`FLAGS ${flagList(row.flags, row.keywords, view.recent.has(row.uid))}`);
  if (opts.modseq && !sawModseq) add(`MODSEQ (${row.modseq})`);
  out.push(`* ${seq} FETCH (`);
  fields.forEach((f, i) => {
    if (i > 0) out.push(' ');
    out.push(...f);
  });
  out.push(')\r\n');
  return out;
}

function flush(s: ImapSession, out: (string | Buffer)[]): void {
  let text = '';
  for (const piece of out) {
    if (typeof piece === 'string') text += piece;
    else {
      if (text) s.write(text);
      text = '';
      s.write(piece);
    }
  }
  if (text) s.write(text);
}

export const fetch = command({
  states: SELECTED,
  forbidsExpunge: (cmd) => !cmd.uid,
  parse: (r) => parseFetchArguments(r),
  async run(s, a, cmd) {
    const view = s.selected!;
    const { messages } = s.services;
    if (a.vanished && (!cmd.uid || !s.qresync)) throw new ImapSyntaxError('VANISHED needs UID FETCH and ENABLE QRESYNC');
    if (a.changedSince !== null) s.condstore = true;
    const idx = indexRanges(view, a.set, cmd.uid);
    if (a.vanished) {
      const gone = await messages.vanishedSince(view.id, a.changedSince!, uidRanges(view, idx).length > 0 ? uidRanges(view, idx) : null);
      if (gone.length > 0) s.untagged(`VANISHED (EARLIER) ${formatNumbers(gone)}`);
    }
    const wants = wantsOf(a.items);
    const setSeen = !view.readOnly && fetchSetsSeen(a.items);
    const opts = { uid: cmd.uid, modseq: a.changedSince !== null || (s.condstore && a.items.some((i) => i.kind === 'simple' && i.name === 'MODSEQ')) };
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
        let out: (string | Buffer)[] = [];
        for (const row of rows) {
          while (k <= j && view.uids[k]! < row.uid) k++;
          if (k > j || view.uids[k] !== row.uid) continue;
          out.push(...(await respond(s, row, k + 1, a.items, { ...opts, flagsChanged: seen.has(row.uid) })));
          if (out.length > 256) {
            flush(s, out);
            out = [];
          }
        }
        flush(s, out);
        await s.drain();
        if (s.isClosed) return ok('FETCH aborted');
      }
    }
    return ok('FETCH completed');
  },
});
