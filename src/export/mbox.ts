// Writes an exported account as mboxrd files, one per mailbox (folder A/B is A/B.mbox under the
// export directory), the format `postern import --format mboxrd` reads (src/import/mbox.ts). What
// must always be true: every line of a message that starts with ">*From " gets one more ">" (mboxrd:
// reversible, unlike mboxo); each message follows a From_ line with its internal date in UTC and
// ends with an empty line; flags go in the Status, X-Status and X-Keywords headers mutt, Dovecot and
// UW-IMAP use, added before the message's own header; the message's bytes are otherwise unchanged.
import fs from 'node:fs';
import path from 'node:path';
import type { MailboxRow } from '../store/mailboxes.ts';
import type { ExportMessage, ExportWriter } from './account.ts';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The file a mailbox is written to, relative to the export directory. */
export function mboxFileOf(name: string): string {
  return `${name}.mbox`;
}

export class MboxWriter implements ExportWriter {
  private readonly root: string;
  private fd: number | null = null;

  constructor(root: string) {
    this.root = root;
  }

  async mailbox(box: MailboxRow): Promise<void> {
    const file = path.join(this.root, ...mboxFileOf(box.name).split('/'));
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    this.fd = fs.openSync(file, 'w', 0o600);
  }

  async message(m: ExportMessage): Promise<void> {
    const fd = this.fd!;
    const lower = new Set(m.flags.map((f) => f.toLowerCase()));
    const xStatus = [['\\answered', 'A'], ['\\flagged', 'F'], ['\\draft', 'T'], ['\\deleted', 'D']].filter(([f]) => lower.has(f!)).map(([, l]) => l).join('');
    const keywords = m.flags.filter((f) => !f.startsWith('\\'));
    let head = `From MAILER-DAEMON ${asctime(m.internalDate)}\n`;
    head += `Status: ${lower.has('\\seen') ? 'RO' : 'O'}\r\n`;
    if (xStatus) head += `X-Status: ${xStatus}\r\n`;
    if (keywords.length) head += `X-Keywords: ${keywords.join(' ')}\r\n`;
    fs.writeSync(fd, head);
    // Whole, so a "From " split across two stored chunks is still seen at its line's start.
    const parts: Buffer[] = [];
    for await (const piece of m.pieces) parts.push(piece);
    const body = Buffer.concat(parts);
    fs.writeSync(fd, quoteFromLines(body));
    fs.writeSync(fd, body.length === 0 || body[body.length - 1] === 10 ? '\n' : '\n\n');
  }

  async endMailbox(): Promise<void> {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}

/** mboxrd: ">" before every line that begins with zero or more ">" and then "From ". */
export function quoteFromLines(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let start = 0;
  const check = (lineStart: number) => {
    let i = lineStart;
    while (data[i] === 0x3e) i++;
    if (data.subarray(i, i + 5).toString('latin1') === 'From ') {
      parts.push(data.subarray(start, lineStart), Buffer.from('>'));
      start = lineStart;
    }
  };
  check(0);
  for (let nl = data.indexOf(10); nl !== -1 && nl + 1 < data.length; nl = data.indexOf(10, nl + 1)) check(nl + 1);
  if (parts.length === 0) return data;
  parts.push(data.subarray(start));
  return Buffer.concat(parts);
}

/** asctime in UTC, as From_ lines carry it: "Thu Jan  1 00:00:00 2020". */
export function asctime(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}
