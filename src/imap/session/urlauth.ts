// URLAUTH (RFC 4467) for a session: who owns the mailbox a URL names, generating an authorized URL
// for one's own mailbox (GENURLAUTH), and checking an authorized URL before URLFETCH serves it.
// Always true: a token is HMAC-SHA256, in hex, of the URL's rump (RFC 4467 §3: the URL up to and
// including the access identifier) under the mailbox's access key (random, KEY_BYTES bytes, kept
// by the store: src/store/api.ts UrlAuthKeys), so it authorizes exactly that text; the mechanism
// is INTERNAL only; authorize() gives one answer, null, for every way a URL can fail (bad token,
// reset or missing key, expired, an access the fetcher does not have, unknown owner, mailbox or
// message), so a fetch never tells which.
// Access identifiers (RFC 4467 §3) as Postern serves them over IMAP: "authuser" lets any user of
// this server fetch, "user+X" only user X; "submit+X" is for a submission server on behalf of X
// (BURL, RFC 4468, which Postern's submission does not offer), so an IMAP session never fetches
// it; "anonymous" is not offered: Postern has no anonymous access, and GENURLAUTH refuses it.
import crypto from 'node:crypto';
import { badUrlText, parseImapUrl, type ImapUrl } from '../protocol/imap-url.ts';
import { ImapSyntaxError } from '../protocol/tokens.ts';
import { ImapUserError } from './completion.ts';
import type { ImapMailbox } from '../../store/mailbox-views.ts';
import type { MessageRow } from '../../store/messages.ts';
import type { ImapSession } from './session.ts';

/** Bytes of a mailbox access key: 256 random bits (RFC 4467 §7 asks for at least 128). */
export const URLAUTH_KEY_BYTES = 32;
/** The one mechanism offered (RFC 4467 §9: INTERNAL is the mandatory one). */
export const URLAUTH_MECHANISM = 'INTERNAL';

/**
 * The address of the account an absolute URL names (RFC 5092 iserver = iuserinfo "@" host), or
 * null when it names nobody of this server. Two forms name an account: the whole address as user
 * on this server's hostname (imap://alice%40example.com@mail.example.com/…), and the local part as
 * user on one of our domains as host (imap://alice@example.com/…, the form imaptest writes).
 */
export async function urlOwner(s: ImapSession, host: string | null, user: string | null): Promise<string | null> {
  if (host === null || user === null || user === '') return null;
  const name = user.toLowerCase();
  if (host === s.services.settings.hostname.toLowerCase()) return name.includes('@') ? name : null;
  if (!(await s.services.store.domains.isLocal(host))) return null;
  return name.includes('@') ? name : `${name}@${host}`;
}

function tokenOf(key: Buffer, rump: string): string {
  return crypto.createHmac('sha256', key).update(rump, 'utf8').digest('hex');
}

function badUrl(url: string, text: string): ImapUserError {
  return new ImapUserError(text, `BADURL ${badUrlText(url)}`);
}

/** GENURLAUTH of one rump URL (RFC 4467 §6.2): the URL with ":internal:<token>" appended. A URL
 *  that is not a rump URLAUTH URL, or a mechanism other than INTERNAL, is BAD; a URL that is not
 *  of the user's own mailbox, or asks for anonymous access, is NO [BADURL]. */
export async function generateUrl(s: ImapSession, url: string, mechanism: string): Promise<string> {
  const u = parseImapUrl(url);
  if (!u || !u.auth) throw new ImapSyntaxError('Not an IMAP URL to a message with ;URLAUTH=<access>');
  if (u.auth.token !== null) throw new ImapSyntaxError('The URL already carries an authorization');
  if (mechanism !== URLAUTH_MECHANISM) throw new ImapSyntaxError('Unsupported URLAUTH mechanism');
  const account = s.account!;
  if ((await urlOwner(s, u.host, u.user)) !== account.address.toLowerCase()) throw badUrl(url, 'The URL does not name a mailbox of yours');
  if (u.auth.access.kind === 'anonymous') throw badUrl(url, 'Anonymous URLs are not offered');
  const box = await s.services.mailboxes.byName(account.id, u.mailbox);
  if (!box || (u.uidValidity !== null && u.uidValidity !== box.uidValidity)) throw badUrl(url, 'No such mailbox');
  const key = await s.services.store.urlAuthKeys.ensure(account.id, box.id, box.uidValidity, crypto.randomBytes(URLAUTH_KEY_BYTES));
  if (!key) throw badUrl(url, 'No such mailbox');
  return `${u.auth.rump}:${URLAUTH_MECHANISM.toLowerCase()}:${tokenOf(key, u.auth.rump)}`;
}

/** RESETKEY (RFC 4467 §6.1): a new key for one mailbox (false when there is none such), or, without
 *  a mailbox, every key of the user removed (the next GENURLAUTH makes new ones). */
export async function resetKeys(s: ImapSession, box: ImapMailbox | null): Promise<boolean> {
  const account = s.account!;
  if (!box) {
    await s.services.store.urlAuthKeys.removeAll(account.id);
    return true;
  }
  return s.services.store.urlAuthKeys.replace(account.id, box.id, box.uidValidity, crypto.randomBytes(URLAUTH_KEY_BYTES));
}

/** What an authorized URL gives access to, once every check passed. */
export interface AuthorizedMessage {
  url: ImapUrl;
  row: MessageRow;
}

function tokensEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'latin1');
  const y = Buffer.from(b, 'latin1');
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/** URLFETCH's check of one URL (RFC 4467 §6.3, §7): the message it names, or null (NIL). */
export async function authorize(s: ImapSession, url: string): Promise<AuthorizedMessage | null> {
  const u = parseImapUrl(url);
  const auth = u?.auth;
  if (!u || !auth || auth.token === null || auth.mechanism?.toUpperCase() !== URLAUTH_MECHANISM) return null;
  const { store, mailboxes, messages } = s.services;
  if (auth.expire !== null && store.clock.now() >= auth.expire) return null;
  const me = s.account!.address.toLowerCase();
  const access = auth.access;
  if (access.kind === 'anonymous' || access.kind === 'submit') return null;
  if (access.kind === 'user' && access.user.toLowerCase() !== me) return null;
  const owner = await urlOwner(s, u.host, u.user);
  const account = owner === null ? null : await store.accounts.byAddress(owner);
  if (!account) return null;
  const box = await mailboxes.byName(account.id, u.mailbox);
  if (!box || (u.uidValidity !== null && u.uidValidity !== box.uidValidity)) return null;
  const key = await store.urlAuthKeys.key(account.id, box.id, box.uidValidity);
  if (!key || !tokensEqual(tokenOf(key, auth.rump), auth.token)) return null;
  const [row] = await messages.fetchPage(box.id, u.uid, u.uid, 1, { mimeTree: true });
  if (!row || row.uid !== u.uid) return null;
  return { url: u, row };
}
