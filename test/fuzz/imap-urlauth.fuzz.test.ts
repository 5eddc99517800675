// Fuzz targets for URLAUTH (RFC 4467, RFC 5524): the IMAP URL parser with authorizations, and the
// argument parsers of RESETKEY, GENURLAUTH and URLFETCH. Properties: the URL parser never throws,
// and an authorized URL it accepts is absolute, names its owner, and its rump is the URL's prefix
// that parses again as the same rump; the command parsers return or throw ImapSyntaxError only,
// and never return more URLs than IMAP_MAX_URLAUTH_URLS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseImapUrl } from '../../src/imap/protocol/imap-url.ts';
import { parseGenUrlAuthArguments, parseResetKeyArguments, parseUrlFetchArguments } from '../../src/imap/protocol/urlauth-arguments.ts';
import { IMAP_MAX_URLAUTH_URLS } from '../../src/limits.ts';
import { fuzzOptions } from './options.ts';
import { argsOf, syntaxOnly } from './imap-arguments.ts';

const URL_PIECES = ['imap://', 'joe', 'joe@example.test', '%40', '@', 'example.test', ':143', '/', 'INBOX', 'a%20b', '%', '%FF',
  ';UIDVALIDITY=7', ';UID=', '/;UID=', '1', '0', '4294967296', '/;SECTION=', '1.2', 'HEADER', '/;PARTIAL=', '0.10', ';EXPIRE=',
  '2026-12-01T10:00:00Z', '2026-02-30T00:00:00+01:00', 'T', ';URLAUTH=', ';urlauth=', 'anonymous', 'authuser', 'user+', 'submit+',
  'fred', ':', 'internal', ':internal:', '0123456789abcdef0123456789abcdef', 'ABCDEF', ';', '+', '=', ' '];

const URL = fc.oneof(
  fc.array(fc.constantFrom(...URL_PIECES), { maxLength: 18 }).map((p) => p.join('')),
  fc.string({ maxLength: 80 }),
);

test('fuzz: parseImapUrl never throws; an authorized URL is absolute, owned, and its rump parses back', () => {
  fc.assert(fc.property(URL, (u) => {
    const parsed = parseImapUrl(u);
    if (!parsed?.auth) return;
    const { auth } = parsed;
    assert.ok(parsed.host !== null && parsed.user !== null);
    assert.ok(u.startsWith(auth.rump));
    assert.equal(auth.token === null, auth.mechanism === null);
    if (auth.token !== null) assert.match(auth.token, /^[0-9a-f]{32,}$/);
    const again = parseImapUrl(auth.rump);
    assert.ok(again?.auth);
    assert.equal(again.auth.rump, auth.rump);
    assert.equal(again.auth.token, null);
    assert.deepEqual(again.auth.access, auth.access);
  }), { ...fuzzOptions(), examples: [
    ['imap://joe@example.test/INBOX/;UID=1;URLAUTH=user+fred:internal:0123456789abcdef0123456789abcdef'],
    ['imap://joe@example.test/INBOX/;UID=1;EXPIRE=2026-12-01T10:00:00Z;URLAUTH=anonymous'],
    ['imap://joe@h/;UID=1;URLAUTH=authuser'], ['imap://a;URLAUTH=x@h/INBOX/;UID=1;URLAUTH=authuser'],
  ] });
});



const TOKENS = ['"imap://a@b/INBOX/;UID=1;URLAUTH=authuser"', 'imap://a@b/INBOX/;UID=1;URLAUTH=authuser:internal:0123456789abcdef0123456789abcdef',
  'INTERNAL', 'internal', 'X-1', '"in ternal"', '(', ')', 'BINARY', 'BODY', 'BODYPARTSTRUCTURE', 'binary', 'HEADER', 'INBOX', '{3+}\r\nabc',
  '~{2+}\r\nab', 'NIL', '""', ' ', '*', '%'];

test('fuzz: RESETKEY, GENURLAUTH and URLFETCH arguments parse or are BAD, within the URL bound', () => {
  const words = fc.array(fc.constantFrom(...TOKENS), { maxLength: 3 * IMAP_MAX_URLAUTH_URLS + 6 });
  fc.assert(fc.property(fc.constantFrom('RESETKEY', 'GENURLAUTH', 'URLFETCH'), words, (name, w) => {
    const r = argsOf(`a ${name} ${w.join(' ')}`);
    if (!r) return;
    if (name === 'RESETKEY') {
      syntaxOnly(() => parseResetKeyArguments(r, () => r.mailbox(false)));
    } else if (name === 'GENURLAUTH') {
      const a = syntaxOnly(() => parseGenUrlAuthArguments(r));
      if (a) assert.ok(a.length >= 1 && a.length <= IMAP_MAX_URLAUTH_URLS);
    } else {
      const a = syntaxOnly(() => parseUrlFetchArguments(r));
      if (a) {
        assert.ok(a.length >= 1 && a.length <= IMAP_MAX_URLAUTH_URLS);
        for (const item of a) if (item.params) assert.ok(!(item.params.binary && item.params.body));
      }
    }
  }), { ...fuzzOptions(), examples: [['URLFETCH', ['(', 'BINARY', ')']], ['GENURLAUTH', ['{3+}\r\nabc', 'INTERNAL']]] });
});
