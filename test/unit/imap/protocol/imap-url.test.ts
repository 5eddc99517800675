// IMAP URLs (RFC 5092) for CATENATE (RFC 4469 §5) and URLAUTH (RFC 4467 §3): what parses, into what, and what is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseImapUrl, parseMessageUrl } from '../../../../src/imap/protocol/imap-url.ts';

test('relative and absolute URLs to one message, with UIDVALIDITY, SECTION and PARTIAL', () => {
  assert.deepEqual(parseMessageUrl('/inbox/;UID=7'), { host: null, user: null, mailbox: 'INBOX', uidValidity: null, uid: 7, section: null, partial: null });
  const u = parseMessageUrl('imap://me%40x.test;AUTH=*@Mail.X.test:143/Lists/a%20b;UIDVALIDITY=9/;uid=3/;section=1.2.MIME/;partial=10.20');
  assert.deepEqual(u, { host: 'mail.x.test', user: 'me@x.test', mailbox: 'Lists/a b', uidValidity: 9, uid: 3, section: { part: [1, 2], spec: 'MIME', fields: [] }, partial: { start: 10, length: 20 } });
  assert.deepEqual(parseMessageUrl('/%C3%A9t%C3%A9/;UID=1/;PARTIAL=5')?.partial, { start: 5, length: null });
  assert.equal(parseMessageUrl('/%C3%A9t%C3%A9/;UID=1')?.mailbox, 'été');
  assert.deepEqual(parseMessageUrl('/B/;UID=1/;SECTION=HEADER.FIELDS%20(From%20To)')?.section, { part: [], spec: 'HEADER.FIELDS', fields: ['From', 'To'] });
});

test('URLs that do not name one message Postern can serve are refused', () => {
  for (const url of ['', 'INBOX/;UID=1', '//host/INBOX/;UID=1', '/INBOX', '/INBOX;UIDVALIDITY=0/;UID=1', '/INBOX/;UID=0',
    '/INBOX/;UID=4294967296', '/INBOX/;UID=1/;SECTION=0', '/INBOX/;UID=1/;SECTION=BOGUS', '/INBOX/;UID=1/;URLAUTH=anonymous:internal:x',
    '/INBOX/;UID=1/;EXPIRE=2030-01-01T00:00:00Z', '/INBOX/;SECTION=1/;UID=1', '/INBOX/;UID=1/;UID=2', '/%FF/;UID=1', '/%4/;UID=1',
    '/INBOX?SUBJECT%20x', 'imap://a@b@/INBOX/;UID=1', 'pop://host/INBOX/;UID=1', '/INBOX/;UID=1/;PARTIAL=1.0']) {
    assert.equal(parseMessageUrl(url), null, url);
  }
});

test('URLAUTH URLs (RFC 4467 §3): access, expiry, rump and token', () => {
  const rump = 'imap://joe@example.com/INBOX/;uid=20/;section=1.2;EXPIRE=2026-12-01T10:00:00+02:00;urlauth=user+fred%40x.test';
  const u = parseImapUrl(`${rump}:INTERNAL:91354A473744909de610943775f92038`);
  assert.equal(u?.uid, 20);
  assert.deepEqual(u?.section?.part, [1, 2]);
  assert.deepEqual(u?.auth, {
    expire: Date.UTC(2026, 11, 1, 8, 0, 0), access: { kind: 'user', user: 'fred@x.test' }, rump,
    mechanism: 'INTERNAL', token: '91354a473744909de610943775f92038',
  });
  // A rump URL (GENURLAUTH's input) has no mechanism or token; a bare "@" in the user id is read.
  assert.deepEqual(parseImapUrl('imap://joe@example.com/a%20b/;UID=1;URLAUTH=submit+joe@example.com')?.auth,
    { expire: null, access: { kind: 'submit', user: 'joe@example.com' }, rump: 'imap://joe@example.com/a%20b/;UID=1;URLAUTH=submit+joe@example.com', mechanism: null, token: null });
  assert.deepEqual(parseImapUrl('imap://joe@h/INBOX/;UID=1;URLAUTH=AuthUser')?.auth?.access, { kind: 'authuser' });
  assert.deepEqual(parseImapUrl('imap://joe@h/INBOX/;UID=1;URLAUTH=anonymous:internal:00000000000000000000000000000000')?.auth?.access, { kind: 'anonymous' });
  // Without an authorization parseImapUrl is parseMessageUrl; parseMessageUrl refuses authorized URLs.
  assert.deepEqual(parseImapUrl('/INBOX/;UID=7'), { ...parseMessageUrl('/INBOX/;UID=7')!, auth: null });
  assert.equal(parseMessageUrl(rump), null);
});

test('URLAUTH URLs that are refused', () => {
  for (const url of [
    '/INBOX/;UID=1;URLAUTH=authuser', // relative: no owner
    'imap://h/INBOX/;UID=1;URLAUTH=authuser', // no user
    'imap://u@h/INBOX/;UID=1;URLAUTH=', 'imap://u@h/INBOX/;UID=1;URLAUTH=everyone', 'imap://u@h/INBOX/;UID=1;URLAUTH=user+',
    'imap://u@h/INBOX/;UID=1;URLAUTH=authuser:internal', 'imap://u@h/INBOX/;UID=1;URLAUTH=authuser:internal:abc',
    'imap://u@h/INBOX/;UID=1;URLAUTH=authuser:in ternal:00000000000000000000000000000000',
    'imap://u@h/INBOX/;UID=1;EXPIRE=2026-13-01T00:00:00Z;URLAUTH=authuser', 'imap://u@h/INBOX/;UID=1;EXPIRE=2026-02-30T00:00:00Z;URLAUTH=authuser',
    'imap://u@h/INBOX/;UID=1;EXPIRE=yesterday;URLAUTH=authuser', 'imap://u@h/INBOX/;UID=1;EXPIRE=2026-01-01T00:00:00Z',
    'imap://u@h/INBOX/;UID=1;URLAUTH=authuser;EXPIRE=2026-01-01T00:00:00Z', 'imap://u@h/INBOX;URLAUTH=authuser',
    'imap://u@h/INBOX/;UID=1;URLAUTH=user+a/b', `imap://u@h/${'a'.repeat(3000)}/;UID=1;URLAUTH=authuser`,
  ]) {
    assert.equal(parseImapUrl(url), null, url);
  }
});
