// What SORT (RFC 5256 §3, SORT=DISPLAY RFC 5957) and THREAD (RFC 5256 §2.1, §3) read from a message,
// computed once at delivery: the base subject and whether the subject marked a reply or forward,
// the first From/To/Cc mailbox, the display names, the Message-ID and the parent chain. Pure; never
// throws. Stored as JSON in contents.sort_keys; the field names are short because every message has them.
import { parseAddressList, type EnvelopeAddress } from './address-list.ts';
import { decodeEncodedWords } from './encoded-words.ts';

export interface SortKeys {
  /** RFC 5256 §2.1 base subject, upper-cased for i;ascii-casemap comparison. */
  s: string;
  /** True when extracting the base subject removed a "Re:"/"Fwd:" or a "[fwd: …]" wrapper (§2.1 step 6). */
  r: boolean;
  /** addr-mailbox of the first From, To and Cc address, upper-cased ("" when absent). */
  f: string;
  t: string;
  c: string;
  /** RFC 5957 display of the first From and To address, upper-cased. */
  df: string;
  dt: string;
  /** Message-ID without its angle brackets, or "" (RFC 5256 §3 REFERENCES step 1). */
  id: string;
  /** Parent Message-IDs, oldest first: References, or else the first id of In-Reply-To. */
  p: string[];
}

const TRAILER = /(?:[ ]|\(fwd\))+$/i;
// subj-leader = (*subj-blob subj-refwd) / WSP; subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"
const LEADER = /^(?:(?:\[[^[\]]*\] *)*(?:re|fwd?) *(?:\[[^[\]]*\] *)?:|[ ])/i;
const BLOB = /^\[[^[\]]*\] */;

/** RFC 5256 §2.1: the base subject of a decoded subject, and whether it was a reply or forward. */
export function baseSubject(decoded: string): { base: string; reply: boolean } {
  let s = decoded.replace(/[\t\r\n]/g, ' ').replace(/ {2,}/g, ' ');
  let reply = false;
  for (;;) {
    s = s.replace(TRAILER, (m) => {
      if (/fwd/i.test(m)) reply = true;
      return '';
    });
    for (let changed = true; changed;) {
      changed = false;
      for (let m = LEADER.exec(s); m; m = LEADER.exec(s)) {
        if (m[0] !== ' ') reply = true;
        s = s.slice(m[0].length);
        changed = true;
      }
      const blob = BLOB.exec(s);
      if (blob && s.length > blob[0].length) {
        s = s.slice(blob[0].length);
        changed = true;
      }
    }
    if (/^\[fwd:/i.test(s) && s.endsWith(']')) {
      s = s.slice(5, -1);
      reply = true;
      continue;
    }
    return { base: s, reply };
  }
}

function asciiUpper(s: string): string {
  return s.replace(/[a-z]+/g, (m) => m.toUpperCase());
}

/** RFC 5957 §3: the display name of the first address, else its addr-spec; a group shows its name. */
function displayOf(a: EnvelopeAddress | undefined): string {
  if (!a) return '';
  if (a.host === null) return decodeEncodedWords(a.mailbox ?? '');
  const name = a.name ? decodeEncodedWords(a.name).trim() : '';
  if (name) return name;
  return a.host ? `${a.mailbox ?? ''}@${a.host}` : a.mailbox ?? '';
}

function messageIds(value: string | null): string[] {
  if (!value) return [];
  const out: string[] = [];
  for (const m of value.matchAll(/<([^<>\s]+)>/g)) out.push(m[1]!);
  return out;
}

/** The sort and thread keys of a message, given the first value of each header field (raw, unfolded). */
export function sortKeysOf(value: (name: string) => string | null): SortKeys {
  const first = (name: string) => {
    const v = value(name);
    return v === null ? undefined : parseAddressList(v)[0];
  };
  const { base, reply } = baseSubject(decodeEncodedWords(value('subject') ?? ''));
  const from = first('from');
  const to = first('to');
  const cc = first('cc');
  const refs = messageIds(value('references'));
  return {
    s: asciiUpper(base),
    r: reply,
    f: asciiUpper(from?.mailbox ?? ''),
    t: asciiUpper(to?.mailbox ?? ''),
    c: asciiUpper(cc?.mailbox ?? ''),
    df: displayOf(from).toUpperCase(),
    dt: displayOf(to).toUpperCase(),
    id: messageIds(value('message-id'))[0] ?? '',
    p: refs.length > 0 ? refs : messageIds(value('in-reply-to')).slice(0, 1),
  };
}
