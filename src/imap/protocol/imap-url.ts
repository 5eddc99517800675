// IMAP URLs (RFC 5092) as CATENATE (RFC 4469 §5) uses them: one message of the user's own mailboxes,
// optionally one body section of it and a partial byte range. Pure.
// Always true: parseMessageUrl returns a complete reference or null (never throws); a URL that names
// a mailbox list, a search, a URLAUTH authorization or expiry, or another user is not accepted
// (null: the caller answers NO [BADURL]); the mailbox name is the percent-decoded UTF-8 of
// RFC 5092 §5, and the section is parsed with FETCH's section grammar (RFC 3501 §6.4.5).
import { parseSection, type Section } from './fetch-attributes.ts';
import { MAX_NZ_NUMBER } from './sequence-set.ts';

export interface MessageUrl {
  /** The host of an absolute URL (lower case), or null for a relative one ("/INBOX/;UID=1"). */
  host: string | null;
  /** The user named in an absolute URL's iuserinfo, or null. */
  user: string | null;
  mailbox: string;
  uidValidity: number | null;
  uid: number;
  section: Section | null;
  partial: { start: number; length: number | null } | null;
}

const NUMBER = /^\d{1,10}$/;

function number(text: string, nonZero: boolean): number | null {
  if (!NUMBER.test(text)) return null;
  const n = Number(text);
  if (n > MAX_NZ_NUMBER || (nonZero && n === 0)) return null;
  return n;
}

/** RFC 3986 §2.1 percent-decoding to UTF-8 text; null when an escape or the UTF-8 is invalid. */
function percentDecode(text: string): string | null {
  if (/%(?![0-9A-Fa-f]{2})/.test(text)) return null;
  const bytes = Buffer.from(text.replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
  const decoded = bytes.toString('utf8');
  return Buffer.from(decoded, 'utf8').equals(bytes) ? decoded : null;
}

/** The mailbox, UID, section and partial range a URL refers to, or null when it is not a URL to
 *  one message that Postern can resolve. */
export function parseMessageUrl(url: string): MessageUrl | null {
  let host: string | null = null;
  let user: string | null = null;
  let path = url;
  const absolute = /^imap:\/\/([^/]*)(\/.*)$/i.exec(url);
  if (absolute) {
    // RFC 5092 §3: iserver = [iuserinfo "@"] host [":" port]; iuserinfo = enc-user [iauth] / iauth.
    const server = absolute[1]!;
    path = absolute[2]!;
    const at = server.lastIndexOf('@');
    if (at >= 0) {
      const info = server.slice(0, at);
      const semi = info.indexOf(';');
      if (semi >= 0 && !/^;auth=(\*|[A-Za-z0-9._%~!$&'()*+,=-]+)$/i.test(info.slice(semi))) return null;
      const enc = semi >= 0 ? info.slice(0, semi) : info;
      if (enc !== '') {
        user = percentDecode(enc);
        if (user === null) return null;
      }
    }
    const hostPort = server.slice(at + 1);
    const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~%-]+)(?::(\d{1,5}))?$/.exec(hostPort);
    if (!m) return null;
    host = m[1]!.toLowerCase();
  } else if (!path.startsWith('/') || path.startsWith('//')) {
    return null;
  }
  // icommand = enc-mailbox [uidvalidity] iuid [isection] [ipartial] [iurlauth]. A mailbox name
  // may hold "/" (bchar) but never an unescaped ";", so it ends at the first ";".
  const firstSemi = path.indexOf(';');
  if (firstSemi < 0) return null;
  let mailboxText = path.slice(1, firstSemi);
  let rest = path.slice(firstSemi);
  let uidValidity: number | null = null;
  const v = /^;uidvalidity=(\d{1,10})(\/;.*)$/is.exec(rest);
  if (v) {
    uidValidity = number(v[1]!, true);
    if (uidValidity === null) return null;
    rest = v[2]!;
  } else if (mailboxText.endsWith('/')) {
    mailboxText = mailboxText.slice(0, -1);
    rest = '/' + rest;
  } else {
    return null;
  }
  const mailbox = percentDecode(mailboxText);
  if (mailbox === null || mailbox === '') return null;
  const segments = rest.slice(1).split('/');
  let uid: number | null = null;
  let section: Section | null = null;
  let partial: MessageUrl['partial'] = null;
  // The segments come in the order of RFC 5092's grammar: UID, then SECTION, then PARTIAL.
  const order = ['UID', 'SECTION', 'PARTIAL'];
  let at = 0;
  for (const segment of segments) {
    const m = /^;([A-Za-z]+)=(.*)$/s.exec(segment);
    if (!m) return null;
    const name = m[1]!.toUpperCase();
    const index = order.indexOf(name, at);
    if (index < 0) return null; // EXPIRE, URLAUTH, a repeated or misplaced name: not resolvable here
    at = index + 1;
    const value = m[2]!;
    if (name === 'UID') {
      uid = number(value, true);
      if (uid === null) return null;
    } else if (name === 'SECTION') {
      const text = percentDecode(value);
      if (text === null) return null;
      try {
        section = parseSection(text);
      } catch {
        return null;
      }
    } else {
      const p = /^(\d{1,10})(?:\.(\d{1,10}))?$/.exec(value);
      if (!p) return null;
      const start = number(p[1]!, false);
      const length = p[2] === undefined ? null : number(p[2], true);
      if (start === null || (p[2] !== undefined && length === null)) return null;
      partial = { start, length };
    }
  }
  if (uid === null) return null;
  return { host, user, mailbox: mailbox.toUpperCase() === 'INBOX' ? 'INBOX' : mailbox, uidValidity, uid, section, partial };
}

/** The URL as it may appear in a BADURL response code (RFC 4469 §6: url-resp-text is TEXT-CHAR
 *  without "]"), shortened so a refusal stays one short line. */
export function badUrlText(url: string): string {
  return url.replace(/[\x00-\x1f\x7f\]]/g, '').slice(0, 200);
}
