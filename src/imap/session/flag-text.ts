// Flags as IMAP writes them (RFC 3501 §7.2.6 flag lists) from the stored bit set and keywords.
// Always true: \Recent appears only for messages this session owns as recent.
import { decodeFlags } from '../../store/flags.ts';

export const SYSTEM_FLAGS_TEXT = '\\Answered \\Flagged \\Deleted \\Seen \\Draft';

/** Flag texts by (bits, keywords, recent): mailboxes reuse a few combinations for every message. */
const cache = new Map<string, string>();
const CACHE_MAX = 10_000;

/** The lists of messages without keywords, by bits × 2 + recent: the common case, found without
 *  building a key (FETCH FLAGS formats one per message). */
const plain: (string | undefined)[] = [];

export function flagList(bits: number, keywords: string, recent: boolean): string {
  if (keywords === '' && bits >= 0 && bits < 64) {
    const at = bits * 2 + (recent ? 1 : 0);
    let text = plain[at];
    if (text === undefined) {
      const flags = decodeFlags(bits, '');
      if (recent) flags.push('\\Recent');
      plain[at] = text = `(${flags.join(' ')})`;
    }
    return text;
  }
  const key = `${bits}|${recent ? 1 : 0}|${keywords}`;
  let text = cache.get(key);
  if (text === undefined) {
    const flags = decodeFlags(bits, keywords);
    if (recent) flags.push('\\Recent');
    text = `(${flags.join(' ')})`;
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(key, text);
  }
  return text;
}
