// Tokens of a message for the classifier: words and word pairs of the decoded text (the header
// text and body text delivery already indexed, never a second MIME parse), the domains of URLs, and
// a few header facts. Pure. Always true: the work is bounded by SPAM_TEXT_CHARS, SPAM_URL_SCAN_BYTES
// and SPAM_MAX_TOKENS whatever the input, and the same input always gives the same tokens (training
// and untraining must agree).
import { SPAM_MAX_TOKENS, SPAM_MAX_URL_DOMAINS, SPAM_PAIR_CHARS, SPAM_TEXT_CHARS, SPAM_TOKEN_LENGTH, SPAM_URL_SCAN_BYTES } from '../limits.ts';

export interface TokenSource {
  /** Decoded "name: value\n" header lines (src/mime headerText). */
  headerText: string;
  /** Decoded body text (src/mime searchText). */
  searchText: string;
  /** The first bytes of the raw message, for URLs inside HTML attributes. */
  head: Buffer;
}

// Header fields whose words are tokens, prefixed with the field name. Fields Postern adds itself
// (Received, Authentication-Results, X-Spam-*) are left out: they would teach the filter about us.
const HEADER_FIELDS = new Set(['subject', 'from', 'reply-to', 'to', 'cc', 'content-type', 'x-mailer', 'user-agent', 'list-id', 'precedence', 'organization']);
const OWN_FIELDS = new Set(['received', 'authentication-results', 'x-spam-score', 'x-spam-reasons', 'return-path', 'dkim-signature', 'arc-seal', 'arc-message-signature', 'arc-authentication-results', 'message-id', 'date']);

const WORD = /[\p{L}\p{N}][\p{L}\p{N}'$€£.-]*/gu;
const URL = /\b(?:https?|ftp):\/\/(?:[^\s/?#@"'<>]*@)?([a-z0-9.-]+\.[a-z]{2,})/gi;

function clip(word: string): string {
  return word.length > SPAM_TOKEN_LENGTH ? word.slice(0, SPAM_TOKEN_LENGTH) : word;
}

export function tokensOf(source: TokenSource): string[] {
  const out = new Set<string>();
  const full = () => out.size >= SPAM_MAX_TOKENS;
  const add = (t: string) => {
    if (!full()) out.add(t);
  };
  let budget = SPAM_TEXT_CHARS;
  // URL domains first: a thousand words must not crowd them out.
  const domains = new Set<string>();
  const text = source.searchText.slice(0, SPAM_TEXT_CHARS) + ' ' + source.head.subarray(0, SPAM_URL_SCAN_BYTES).toString('latin1');
  for (const m of text.matchAll(URL)) {
    if (domains.size >= SPAM_MAX_URL_DOMAINS) break;
    domains.add(m[1]!.toLowerCase().replace(/\.$/, ''));
  }
  for (const d of domains) add(`url:${clip(d)}`);
  for (const line of source.headerText.slice(0, SPAM_TEXT_CHARS).split('\n')) {
    if (budget <= 0 || out.size >= SPAM_MAX_TOKENS) break;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).toLowerCase();
    if (OWN_FIELDS.has(name)) continue;
    add(`h:${clip(name)}`);
    if (!HEADER_FIELDS.has(name)) continue;
    const value = line.slice(colon + 1, colon + 1 + budget);
    budget -= value.length;
    words(value, `${name}:`, add, 0, full);
  }
  if (budget > 0) words(source.searchText.slice(0, budget), '', add, SPAM_PAIR_CHARS, full);
  return [...out];
}

/** Words of `text` (and pairs of neighbours within the first `pairChars` characters), until `full()`. */
function words(text: string, prefix: string, add: (t: string) => void, pairChars: number, full: () => boolean): void {
  let previous = '';
  for (const m of text.matchAll(WORD)) {
    if (full()) return;
    let w = m[0].toLowerCase().replace(/[.'-]+$/, '');
    if (w.length < 2) continue;
    w = clip(w);
    add(prefix + w);
    if (previous && m.index < pairChars) add(`${previous} ${w}`);
    previous = w;
  }
}

/**
 * The key a token is counted under: a 53-bit hash (two 32-bit FNV-1a with different offsets), an
 * exact JavaScript and SQLite integer. Collisions among an account's tokens are negligible (the
 * birthday bound at a million tokens is about 1 in 10^4 for a single pair anywhere).
 */
export function tokenKey(token: string): number {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193);
  }
  return (a >>> 0) * 0x200000 + ((b >>> 0) >>> 11);
}

/** The keys of tokensOf(source), in the same order. */
export function tokenKeysOf(source: TokenSource): number[] {
  return tokensOf(source).map(tokenKey);
}
