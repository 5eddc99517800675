// The arguments of URLAUTH's commands (RFC 4467 §6, RFC 5524 §3): RESETKEY [mailbox *mechanism],
// GENURLAUTH 1*(url mechanism) and URLFETCH 1*(url / "(" url *param ")"). Pure.
// Always true: a command names at most IMAP_MAX_URLAUTH_URLS URLs, each at most IMAP_MAX_URL_LENGTH
// characters, or its parse throws ImapSyntaxError (BAD, with [LIMIT] for the bounds); mechanisms
// and parameters are upper-cased; URLs are returned as sent (a token covers their exact text).
import type { ArgumentReader } from './argument-reader.ts';
import { ImapSyntaxError } from './tokens.ts';
import { IMAP_MAX_URL_LENGTH, IMAP_MAX_URLAUTH_URLS } from '../../limits.ts';

/** RFC 4467 §9: mechanism = "INTERNAL" / 1*(ALPHA / DIGIT / "-" / "."). */
const MECHANISM = /^[A-Za-z0-9.-]+$/;

export interface ResetKeyArguments {
  mailbox: string | null;
  mechanisms: string[];
}

export interface GenUrlAuthRequest {
  url: string;
  mechanism: string;
}

/** RFC 5524 §3.1: what an extended URLFETCH asks of one URL; null for the plain form. */
export interface UrlFetchParams {
  bodyPartStructure: boolean;
  binary: boolean;
  body: boolean;
}

export interface UrlFetchRequest {
  url: string;
  params: UrlFetchParams | null;
}

function url(r: ArgumentReader): string {
  const u = r.astring('URL');
  if (u.length > IMAP_MAX_URL_LENGTH) throw new ImapSyntaxError(`URLs are at most ${IMAP_MAX_URL_LENGTH} characters`, 'LIMIT');
  return u;
}

function mechanism(r: ArgumentReader): string {
  const m = r.astring('mechanism');
  if (!MECHANISM.test(m)) throw new ImapSyntaxError('Invalid URLAUTH mechanism');
  return m.toUpperCase();
}

function counted(n: number): void {
  if (n > IMAP_MAX_URLAUTH_URLS) throw new ImapSyntaxError(`At most ${IMAP_MAX_URLAUTH_URLS} URLs per command`, 'LIMIT');
}

/** RESETKEY [mailbox *(SP mechanism)] (RFC 4467 §6.1); `mailbox` reads a mailbox name. */
export function parseResetKeyArguments(r: ArgumentReader, mailbox: () => string): ResetKeyArguments {
  if (!r.more()) return { mailbox: null, mechanisms: [] };
  const name = mailbox();
  const mechanisms: string[] = [];
  while (r.more()) {
    mechanisms.push(mechanism(r));
    if (mechanisms.length > IMAP_MAX_URLAUTH_URLS) throw new ImapSyntaxError('Too many mechanisms', 'LIMIT');
  }
  return { mailbox: name, mechanisms };
}

/** GENURLAUTH 1*(SP url SP mechanism) (RFC 4467 §6.2). */
export function parseGenUrlAuthArguments(r: ArgumentReader): GenUrlAuthRequest[] {
  const out: GenUrlAuthRequest[] = [];
  do {
    const u = url(r);
    out.push({ url: u, mechanism: mechanism(r) });
    counted(out.length);
  } while (r.more());
  return out;
}

/** URLFETCH 1*(SP url) (RFC 4467 §6.3), each URL possibly as RFC 5524's "(" url *(SP param) ")". */
export function parseUrlFetchArguments(r: ArgumentReader): UrlFetchRequest[] {
  const out: UrlFetchRequest[] = [];
  do {
    if (r.peekList()) {
      const l = r.list('URLFETCH item');
      const u = url(l);
      const params: UrlFetchParams = { bodyPartStructure: false, binary: false, body: false };
      while (l.more()) {
        const p = l.atom('URLFETCH parameter').toUpperCase();
        if (p === 'BODYPARTSTRUCTURE') params.bodyPartStructure = true;
        else if (p === 'BINARY') params.binary = true;
        else if (p === 'BODY') params.body = true;
        else throw new ImapSyntaxError(`Unknown URLFETCH parameter ${p.slice(0, 40)}`);
      }
      if (!params.bodyPartStructure && !params.binary && !params.body) throw new ImapSyntaxError('URLFETCH (url) needs a parameter');
      // RFC 5524 §3.1: the content is asked for once, in one form.
      if (params.binary && params.body) throw new ImapSyntaxError('BINARY and BODY exclude each other');
      out.push({ url: u, params });
    } else {
      out.push({ url: url(r), params: null });
    }
    counted(out.length);
  } while (r.more());
  return out;
}
