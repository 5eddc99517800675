// Parses address header fields (RFC 5322 §3.4, obsolete forms of §4.4
// tolerated) into IMAP ENVELOPE address entries (RFC 3501 §7.4.2). Names keep
// their raw form: encoded words are left for the client to decode.
// Never throws; unparseable fragments are dropped.

/** One RFC 3501 address: a mailbox, or a group start (host null) or group end (all null). */
export interface EnvelopeAddress {
  name: string | null;
  adl: string | null;
  mailbox: string | null;
  host: string | null;
}

interface Token {
  kind: 'atom' | 'quoted' | 'comment' | 'special';
  text: string;
}

const SPECIALS = '<>@,;:';

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = s.length;
  while (i < n) {
    const c = s[i];
    if (c === ' ' || c === '\t') {
      i++;
    } else if (c === '"') {
      let text = '';
      i++;
      while (i < n && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < n) i++;
        text += s[i++];
      }
      i++;
      out.push({ kind: 'quoted', text });
    } else if (c === '(') {
      let depth = 1;
      let text = '';
      i++;
      while (i < n && depth > 0) {
        const d = s[i];
        if (d === '\\' && i + 1 < n) {
          text += s[i + 1];
          i += 2;
          continue;
        }
        if (d === '(') depth++;
        else if (d === ')' && --depth === 0) break;
        text += d;
        i++;
      }
      i++;
      out.push({ kind: 'comment', text: text.trim() });
    } else if (SPECIALS.includes(c)) {
      out.push({ kind: 'special', text: c });
      i++;
    } else if (c === '[') {
      // A domain literal is one unit: its dots and colons are not structure.
      const close = s.indexOf(']', i);
      const e = close < 0 ? n : close + 1;
      out.push({ kind: 'atom', text: s.slice(i, e) });
      i = e;
    } else {
      let e = i;
      while (e < n && !' \t"()[\\'.includes(s[e]) && !SPECIALS.includes(s[e])) e++;
      if (e === i) e++; // a lone ')' or '\\': keep it as text rather than loop
      out.push({ kind: 'atom', text: s.slice(i, e) });
      i = e;
    }
  }
  return out;
}

function isSpecial(t: Token | undefined, c: string): boolean {
  return t !== undefined && t.kind === 'special' && t.text === c;
}

function phraseOf(tokens: Token[]): string | null {
  const words = tokens.filter((t) => t.kind === 'atom' || t.kind === 'quoted').map((t) => t.text);
  return words.length === 0 ? null : words.join(' ');
}

function commentOf(tokens: Token[]): string | null {
  const c = tokens.find((t) => t.kind === 'comment' && t.text !== '');
  return c ? c.text : null;
}

// addr-spec = local-part "@" domain; local part and domain are written
// without the whitespace and comments folding may have put between their words.
function addrSpec(tokens: Token[]): { mailbox: string | null; host: string | null } {
  const words = tokens.filter((t) => t.kind !== 'comment');
  let at = -1;
  for (let k = words.length - 1; k >= 0; k--) if (isSpecial(words[k], '@')) { at = k; break; }
  const local = (at < 0 ? words : words.slice(0, at)).map((t) => t.text).join('');
  const domain = at < 0 ? null : words.slice(at + 1).map((t) => t.text).join('');
  return { mailbox: local === '' ? null : local, host: domain };
}

function mailboxFrom(tokens: Token[]): EnvelopeAddress | null {
  const lt = tokens.findIndex((t) => isSpecial(t, '<'));
  if (lt >= 0) {
    let gt = tokens.findIndex((t, k) => k > lt && isSpecial(t, '>'));
    if (gt < 0) gt = tokens.length;
    let inner = tokens.slice(lt + 1, gt);
    let adl: string | null = null;
    // RFC 5322 §4.4 obs-route: "@a,@b:" before the addr-spec.
    if (isSpecial(inner[0], '@')) {
      const colon = inner.findIndex((t) => isSpecial(t, ':'));
      if (colon >= 0) {
        adl = inner.slice(0, colon).map((t) => t.text).join('');
        inner = inner.slice(colon + 1);
      }
    }
    const spec = addrSpec(inner);
    const name = phraseOf(tokens.slice(0, lt)) ?? commentOf(tokens);
    if (spec.mailbox === null && spec.host === null && name === null) return null;
    // RFC 3501: NIL host means group syntax, so a mailbox without a domain gets "".
    return { name, adl, mailbox: spec.mailbox ?? '', host: spec.host ?? '' };
  }
  const spec = addrSpec(tokens);
  if (spec.mailbox === null && spec.host === null) return null;
  return { name: commentOf(tokens), adl: null, mailbox: spec.mailbox ?? '', host: spec.host ?? '' };
}

/** Parses an unfolded address field value into envelope entries, groups flattened per RFC 3501. */
export function parseAddressList(value: string): EnvelopeAddress[] {
  const tokens = tokenize(value);
  const out: EnvelopeAddress[] = [];
  let inGroup = false;
  let i = 0;
  while (i < tokens.length) {
    // One address: tokens up to a top-level ',' or ';' (commas inside <> are route syntax).
    let j = i;
    let angle = false;
    let groupColon = -1;
    while (j < tokens.length) {
      const t = tokens[j];
      if (t.kind === 'special') {
        if (t.text === '<') angle = true;
        else if (t.text === '>') angle = false;
        else if (!angle && (t.text === ',' || t.text === ';')) break;
        else if (!angle && t.text === ':' && !inGroup && groupColon < 0) {
          groupColon = j;
          break;
        }
      }
      j++;
    }
    if (groupColon >= 0) {
      // RFC 3501 §7.4.2: group start is (NIL NIL group-name NIL).
      out.push({ name: null, adl: null, mailbox: phraseOf(tokens.slice(i, groupColon)) ?? '', host: null });
      inGroup = true;
      i = groupColon + 1;
      continue;
    }
    const addr = mailboxFrom(tokens.slice(i, j));
    if (addr) out.push(addr);
    if (isSpecial(tokens[j], ';') && inGroup) {
      out.push({ name: null, adl: null, mailbox: null, host: null });
      inGroup = false;
    }
    i = j + 1;
  }
  if (inGroup) out.push({ name: null, adl: null, mailbox: null, host: null });
  return out;
}
