// Reads an mbox file as an async iterator of messages, streaming (a large mbox is never held in
// memory whole). What must always be true: a message starts at a "From " line at the start of the
// file or after an empty line; the empty line before the next From_ line belongs to the separator;
// quoted From lines are unquoted per the variant (mboxrd: one ">" removed from every ">+From ";
// mboxo: only ">From " loses its ">"); the flags mutt, Dovecot and UW-IMAP keep in Status/X-Status/
// X-Keywords become IMAP flags, and those bookkeeping headers are dropped from the imported message.
import { createReadStream } from 'node:fs';
import { toCrlf, type ImportedMessage } from './message.ts';

export type MboxVariant = 'mboxrd' | 'mboxo';

export interface MboxProgress { bytesRead: number }

// Headers that hold a previous server's per-message state, not part of the message itself.
const BOOKKEEPING = new Set(['status', 'x-status', 'x-keywords', 'x-uid', 'x-imapbase', 'x-imap', 'content-length']);

export async function* readMbox(file: string, variant: MboxVariant = 'mboxrd', progress?: MboxProgress): AsyncGenerator<ImportedMessage> {
  let fromLine: string | null = null;
  let lines: Buffer[] = [];
  let previousBlank = true;
  for await (const line of readLines(file, progress)) {
    const isFrom = line.length >= 5 && line.subarray(0, 5).toString('latin1') === 'From ';
    if (isFrom && previousBlank) {
      if (fromLine !== null) yield finish(fromLine, lines);
      fromLine = line.toString('latin1');
      lines = [];
      previousBlank = false;
      continue;
    }
    previousBlank = line.length === 0 || (line.length === 1 && line[0] === 13);
    if (fromLine === null) {
      if (previousBlank) continue;
      throw new Error(`${file} is not an mbox: it does not start with a "From " line`);
    }
    lines.push(unquote(line, variant));
  }
  if (fromLine !== null) yield finish(fromLine, lines);
}

function unquote(line: Buffer, variant: MboxVariant): Buffer {
  if (line[0] !== 0x3e) return line;
  let i = 0;
  while (line[i] === 0x3e) i++;
  if (variant === 'mboxo' && i !== 1) return line;
  return line.subarray(i, i + 5).toString('latin1') === 'From ' ? line.subarray(1) : line;
}

function finish(fromLine: string, lines: Buffer[]): ImportedMessage {
  // The empty line before the next From_ (or at the end of the file) is the separator.
  while (lines.length > 0 && (lines[lines.length - 1]!.length === 0 || lines[lines.length - 1]!.toString('latin1') === '\r')) lines.pop();
  const headerEnd = lines.findIndex((l) => l.length === 0 || (l.length === 1 && l[0] === 13));
  const headerCount = headerEnd === -1 ? lines.length : headerEnd;
  const kept: Buffer[] = [];
  let status = '';
  let xStatus = '';
  const keywords: string[] = [];
  let dropping = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (i < headerCount) {
      const text = line.toString('latin1');
      if (/^[ \t]/.test(text)) {
        if (!dropping) kept.push(line);
        continue;
      }
      const colon = text.indexOf(':');
      const name = colon > 0 ? text.slice(0, colon).toLowerCase() : '';
      dropping = BOOKKEEPING.has(name);
      const value = text.slice(colon + 1).trim();
      if (name === 'status') status += value;
      else if (name === 'x-status') xStatus += value;
      else if (name === 'x-keywords') keywords.push(...value.split(/[\s,]+/).filter(Boolean));
      if (!dropping) kept.push(line);
    } else {
      kept.push(line);
    }
  }
  const flags: string[] = [];
  if (status.includes('R')) flags.push('\\Seen');
  if (xStatus.includes('A')) flags.push('\\Answered');
  if (xStatus.includes('F')) flags.push('\\Flagged');
  if (xStatus.includes('T')) flags.push('\\Draft');
  if (xStatus.includes('D')) flags.push('\\Deleted');
  flags.push(...keywords);
  const raw = toCrlf(Buffer.concat(kept.flatMap((l) => [l, Buffer.from('\n')])));
  const date = fromLineDate(fromLine);
  return { folder: [], raw, flags: [...new Set(flags)], ...(date !== undefined ? { internalDate: date } : {}) };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The asctime date of a From_ line ("From a@b Thu Jan  1 00:00:00 2020"), read as UTC. */
export function fromLineDate(fromLine: string): number | undefined {
  const m = /(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+(\d{1,2})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s+(?:[A-Z]{3,4}\s+|[+-]\d{4}\s+)?(\d{4})/.exec(fromLine);
  if (!m) return undefined;
  const t = Date.UTC(Number(m[6]), MONTHS.indexOf(m[1]!), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5] ?? 0));
  return Number.isFinite(t) ? t : undefined;
}

async function* readLines(file: string, progress?: MboxProgress): AsyncGenerator<Buffer> {
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
    if (progress) progress.bytesRead += chunk.length;
    let data = rest.length ? Buffer.concat([rest, chunk]) : chunk;
    let start = 0;
    for (let nl = data.indexOf(10); nl !== -1; nl = data.indexOf(10, start)) {
      yield data.subarray(start, nl);
      start = nl + 1;
    }
    rest = Buffer.from(data.subarray(start));
    data = Buffer.alloc(0);
  }
  if (rest.length) yield rest;
}
