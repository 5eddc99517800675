// IMAP URLs (RFC 5092) to one message, optionally one body section of it and a partial byte range,
// optionally carrying a URLAUTH authorization (RFC 4467 §3): the one parser of CATENATE (RFC 4469
// §5), GENURLAUTH and URLFETCH. Pure.
// Always true: parseImapUrl and parseMessageUrl return a complete reference or null (never throw);
// a URL that names a mailbox list or a search is not accepted (null: the caller answers NO [BADURL]
// or NIL); the mailbox name is the percent-decoded UTF-8 of RFC 5092 §5, and the section is parsed
// with FETCH's section grammar (RFC 3501 §6.4.5); an authorized URL is absolute and names its owner,
// and its `rump` is exactly the text the URL's token authorizes (RFC 4467 §3: the URL up to and
// including the access identifier).
import { parseSection, type Section } from './fetch-attributes.ts';
import { MAX_NZ_NUMBER } from './sequence-set.ts';
import { IMAP_MAX_URL_LENGTH } from '../../limits.ts';

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

/** RFC 4467 §3 access identifiers: who may fetch an authorized URL. */
export type UrlAccess =
  | { kind: 'anonymous' }
  | { kind: 'authuser' }
  | { kind: 'user' | 'submit'; user: string };

export interface UrlAuthorization {
  /** ;EXPIRE= (RFC 4467 §3), ms since the epoch; null when the URL does not expire. */
  expire: number | null;
  access: UrlAccess;
  /** The URL up to and including the access identifier: what the token is computed over. */
  rump: string;
  /** The mechanism and token of a full URLAUTH URL; both null in a rump URL (GENURLAUTH's input). */
  mechanism: string | null;
  token: string | null;
}

export interface ImapUrl extends MessageUrl {
  auth: UrlAuthorization | null;
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

/** RFC 3339 date-time (RFC 4467 §3 ;EXPIRE=) as ms since the epoch, or null. */
function dateTime(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|([+-])(\d{2}):(\d{2}))$/i.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, sec] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i]));
  if (mo! < 1 || mo! > 12 || d! < 1 || d! > 31 || h! > 23 || mi! > 59 || sec! > 60) return null;
  const offset = m[8]!.toUpperCase() === 'Z' ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
  if (Math.abs(offset) >= 24 * 60) return null;
  const t = Date.UTC(y!, mo! - 1, d!, h!, mi!, Math.min(sec!, 59), Math.floor(Number(m[7] ?? 0) * 1000));
  // Day 31 of a 30-day month would roll over: refuse it.
  if (new Date(Date.UTC(y!, mo! - 1, d!)).getUTCDate() !== d) return null;
  return t - offset * 60_000;
}

/** RFC 5092 enc-user: achar (unreserved, pct-encoded, sub-delims-sh, "&", "=", "~"), and a bare
 *  "@": an address as user id, as imaptest writes it (unambiguous here: the access ends at ":"). */
const ENC_USER = "[A-Za-z0-9\\-._~!$'()*+,&=%@]+";
const ACCESS = new RegExp(`^(anonymous|authuser|(user|submit)\\+(${ENC_USER}))$`, 'i');
const TAIL = /^(?:;EXPIRE=([^;]*))?;URLAUTH=([^:]*)(?::([A-Za-z0-9.-]+):([0-9A-Fa-f]{32,}))?$/i;

/** The authorization part of a URL (from its first ";EXPIRE=" or ";URLAUTH="), or null. */
function parseAuthorization(url: string, at: number): UrlAuthorization | null {
  const m = TAIL.exec(url.slice(at));
  if (!m) return null;
  let expire: number | null = null;
  if (m[1] !== undefined) {
    expire = dateTime(m[1]);
    if (expire === null) return null;
  }
  const a = ACCESS.exec(m[2]!);
  if (!a) return null;
  let access: UrlAccess;
  if (a[2] === undefined) {
    access = { kind: a[1]!.toLowerCase() as 'anonymous' | 'authuser' };
  } else {
    const user = percentDecode(a[3]!);
    if (user === null) return null;
    access = { kind: a[2].toLowerCase() as 'user' | 'submit', user };
  }
  const rumpEnd = at + m[0].length - (m[3] === undefined ? 0 : m[3].length + m[4]!.length + 2);
  return { expire, access, rump: url.slice(0, rumpEnd), mechanism: m[3] ?? null, token: m[4]?.toLowerCase() ?? null };
}

/** Any IMAP URL to one message, authorized (RFC 4467) or not; null when it is not one. */
export function parseImapUrl(url: string): ImapUrl | null {
  if (url.length > IMAP_MAX_URL_LENGTH) return null;
  // RFC 5092 §11: iurlauth follows the message part, and no earlier component may hold a ";"
  // followed by EXPIRE= or URLAUTH= (a mailbox name or section escapes ";").
  const tail = /;(EXPIRE|URLAUTH)=/i.exec(url);
  if (!tail) {
    const u = parseMessageUrl(url);
    return u && { ...u, auth: null };
  }
  const u = parseMessageUrl(url.slice(0, tail.index));
  if (!u || u.host === null || u.user === null) return null;
  const auth = parseAuthorization(url, tail.index);
  return auth && { ...u, auth };
}

/** The mailbox, UID, section and partial range a URL refers to, or null when it is not a URL to
 *  one message that Postern can resolve without an authorization (CATENATE's own mailboxes). */
export function parseMessageUrl(url: string): MessageUrl | null {
  if (url.length > IMAP_MAX_URL_LENGTH) return null;
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
