// Writes an exported account as a Maildir++ tree, the layout `postern import` (src/import/maildir.ts)
// and Dovecot read: INBOX in the root's cur/, folder A/B in ".A.B" (names in IMAP modified UTF-7,
// RFC 3501 §5.1.3), flags as the ":2," letters of the file name (cr.yp.to/proto/maildir.html),
// keywords as Dovecot's dovecot-keywords letters a-z, the internal date as the file's mtime. What
// must always be true: a file appears in cur/ only complete (written in tmp/, then renamed), and
// names sort in UID order within a second, so an import keeps the mailbox's order.
import fs from 'node:fs';
import path from 'node:path';
import { encodeMailboxName } from '../imap/protocol/mailbox-name-encoding.ts';
import type { MailboxRow } from '../store/mailboxes.ts';
import type { ExportMessage, ExportWriter } from './account.ts';

const LETTERS: Record<string, string> = { '\\draft': 'D', '\\flagged': 'F', '$forwarded': 'P', '\\answered': 'R', '\\seen': 'S', '\\deleted': 'T' };

/** Dovecot's dovecot-keywords holds 26 keywords per folder (letters a-z). */
const MAX_KEYWORDS = 26;

export class MaildirWriter implements ExportWriter {
  private readonly root: string;
  private dir = '';
  private uidValidity = 0;
  private keywords = new Map<string, string>();
  /** Keywords that did not fit in a folder's 26 letters, for the operator. */
  readonly dropped = new Set<string>();

  constructor(root: string) {
    this.root = root;
  }

  async mailbox(box: MailboxRow): Promise<void> {
    this.dir = box.name === 'INBOX' ? this.root : path.join(this.root, `.${box.name.split('/').map(encodeMailboxName).join('.')}`);
    for (const sub of ['cur', 'new', 'tmp']) fs.mkdirSync(path.join(this.dir, sub), { recursive: true, mode: 0o700 });
    this.uidValidity = box.uidValidity;
    this.keywords = new Map();
  }

  async message(m: ExportMessage): Promise<void> {
    let letters = '';
    for (const flag of m.flags) {
      const standard = LETTERS[flag.toLowerCase()];
      if (standard) letters += standard;
      else if (!flag.startsWith('\\')) {
        const letter = this.letterFor(flag);
        if (letter) letters += letter;
        else this.dropped.add(flag);
      }
    }
    const info = [...new Set(letters)].sort().join('');
    const seconds = Math.floor(m.internalDate / 1000);
    const base = `${seconds}.M${String(m.uid).padStart(10, '0')}V${this.uidValidity}.postern`;
    const tmp = path.join(this.dir, 'tmp', base);
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      for await (const piece of m.pieces) fs.writeSync(fd, piece);
    } finally {
      fs.closeSync(fd);
    }
    const date = new Date(m.internalDate);
    fs.utimesSync(tmp, date, date);
    fs.renameSync(tmp, path.join(this.dir, 'cur', `${base}:2,${info}`));
  }

  async endMailbox(): Promise<void> {
    if (this.keywords.size === 0) return;
    const lines = [...this.keywords].map(([keyword, letter]) => `${letter.charCodeAt(0) - 97} ${keyword}`);
    fs.writeFileSync(path.join(this.dir, 'dovecot-keywords'), lines.join('\n') + '\n', { mode: 0o600 });
  }

  private letterFor(keyword: string): string | null {
    const known = this.keywords.get(keyword);
    if (known) return known;
    if (this.keywords.size >= MAX_KEYWORDS) return null;
    const letter = String.fromCharCode(97 + this.keywords.size);
    this.keywords.set(keyword, letter);
    return letter;
  }
}
