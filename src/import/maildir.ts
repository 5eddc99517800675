// Reads a Maildir++ tree (as Dovecot and Courier lay it out) as an async iterator of messages, so
// people moving from Dovecot keep their folders and flags. What must always be true: the root's
// cur/ and new/ are INBOX; each `.A.B` subdirectory holding cur/ is folder ["A","B"] (names decoded
// from IMAP modified UTF-7 as Dovecot stores them); flags come only from the `:2,` info (RFC-less
// convention from cr.yp.to/proto/maildir.html) and Dovecot's `dovecot-keywords` letters; tmp/ is
// never read (its files are incomplete deliveries); messages are yielded in delivery order.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { decodeModifiedUtf7 } from './modified-utf7.ts';
import { toCrlf, type ImportedMessage } from './message.ts';

const STANDARD_FLAGS: Record<string, string> = {
  D: '\\Draft',
  F: '\\Flagged',
  R: '\\Answered',
  S: '\\Seen',
  T: '\\Deleted',
  P: '$Forwarded',
};

export interface MaildirFolder {
  /** Folder path segments; [] is INBOX. */
  folder: string[];
  dir: string;
}

/** Whether `dir` looks like a Maildir (has cur/ or new/). */
export async function isMaildir(dir: string): Promise<boolean> {
  return (await isDir(path.join(dir, 'cur'))) || (await isDir(path.join(dir, 'new')));
}

/** INBOX first, then each Maildir++ folder in name order. */
export async function maildirFolders(root: string): Promise<MaildirFolder[]> {
  const folders: MaildirFolder[] = [{ folder: [], dir: root }];
  const entries = await readdir(root, { withFileTypes: true });
  const subs = entries
    .filter((e) => e.isDirectory() && e.name.startsWith('.') && e.name !== '.' && e.name !== '..')
    .map((e) => e.name)
    .sort();
  for (const name of subs) {
    const dir = path.join(root, name);
    if (!(await isMaildir(dir))) continue;
    // Maildir++: ".A.B" is folder B inside A, "." being the hierarchy separator.
    folders.push({ folder: name.slice(1).split('.').map(decodeModifiedUtf7), dir });
  }
  return folders;
}

/** The number of messages in the tree, for progress reporting. */
export async function countMaildir(root: string): Promise<number> {
  let n = 0;
  for (const f of await maildirFolders(root)) n += (await messageFiles(f.dir)).length;
  return n;
}

export async function* readMaildir(root: string): AsyncGenerator<ImportedMessage> {
  for (const f of await maildirFolders(root)) {
    const keywords = await readDovecotKeywords(f.dir);
    for (const file of await messageFiles(f.dir)) {
      const [raw, info] = await Promise.all([readFile(file.path), stat(file.path)]);
      yield {
        folder: f.folder,
        raw: toCrlf(raw),
        flags: flagsFromName(file.name, keywords),
        // Dovecot keeps the received date as the file's mtime; in whole milliseconds, as every
        // stored time is (PostgreSQL's BIGINT refuses a fraction that SQLite would keep).
        internalDate: Math.floor(info.mtimeMs),
      };
    }
  }
}

interface MessageFile { path: string; name: string; order: number }

async function messageFiles(dir: string): Promise<MessageFile[]> {
  const out: MessageFile[] = [];
  for (const sub of ['new', 'cur'] as const) {
    let names: string[];
    try {
      names = await readdir(path.join(dir, sub));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    for (const name of names) {
      if (name.startsWith('.')) continue;
      // Unique names begin with the delivery time in seconds: sort on it to keep arrival order.
      const order = Number.parseInt(name, 10);
      out.push({ path: path.join(dir, sub, name), name, order: Number.isFinite(order) ? order : 0 });
    }
  }
  return out.sort((a, b) => a.order - b.order || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Flags from a Maildir file name: the letters after ":2," (or "!2," where ':' is not allowed).
 * Read in new/ too: Dovecot saves flagged messages straight into new/ with an info part.
 */
export function flagsFromName(name: string, keywords: ReadonlyMap<string, string> = new Map()): string[] {
  const m = /[:!]2,([^:!]*)$/.exec(name);
  if (!m) return [];
  const flags: string[] = [];
  for (const letter of m[1]!) {
    const standard = STANDARD_FLAGS[letter];
    if (standard) flags.push(standard);
    else if (letter >= 'a' && letter <= 'z' && keywords.has(letter)) flags.push(keywords.get(letter)!);
  }
  return [...new Set(flags)];
}

/** Dovecot's `dovecot-keywords`: lines "<index> <keyword>", index 0 is letter a. */
export async function readDovecotKeywords(dir: string): Promise<Map<string, string>> {
  const map = new Map<string, string>();
  let text: string;
  try {
    text = await readFile(path.join(dir, 'dovecot-keywords'), 'utf8');
  } catch {
    return map;
  }
  for (const line of text.split('\n')) {
    const m = /^(\d+) (\S+)$/.exec(line.trim());
    if (m && Number(m[1]) < 26) map.set(String.fromCharCode(97 + Number(m[1])), m[2]!);
  }
  return map;
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}
