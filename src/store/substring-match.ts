// Case-insensitive substring search for IMAP SEARCH (RFC 3501 §6.4.4: "a substring match"), in time
// linear in the text whatever the needle: Knuth–Morris–Pratt over the lower-cased text. SQLite's LIKE
// '%…%' and naive scans backtrack (a 401-byte key over 64 messages held the event loop for 8.7 s).
// Pure. Always true: a compiled needle is reused across every message of one search, and
// contains() never looks at a text character more than twice.

export class FoldedNeedle {
  readonly text: string;
  private readonly failure: Int32Array;

  /** `needle` as the client sent it; folded with toLowerCase, as the text will be. */
  constructor(needle: string) {
    this.text = needle.toLowerCase();
    const p = this.text;
    this.failure = new Int32Array(p.length);
    let k = 0;
    for (let i = 1; i < p.length; i++) {
      while (k > 0 && p.charCodeAt(i) !== p.charCodeAt(k)) k = this.failure[k - 1]!;
      if (p.charCodeAt(i) === p.charCodeAt(k)) k++;
      this.failure[i] = k;
    }
  }

  /** Whether the text contains the needle, ignoring case. */
  contains(haystack: string): boolean {
    const p = this.text;
    const m = p.length;
    if (m === 0) return true;
    const t = haystack.toLowerCase();
    let k = 0;
    for (let i = 0; i < t.length; i++) {
      const c = t.charCodeAt(i);
      while (k > 0 && c !== p.charCodeAt(k)) k = this.failure[k - 1]!;
      if (c === p.charCodeAt(k) && ++k === m) return true;
    }
    return false;
  }
}
