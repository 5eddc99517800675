// IMAP URLs for CATENATE (RFC 5092, RFC 4469 §5): what parses, into what, and what is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessageUrl } from '../../../../src/imap/protocol/imap-url.ts';

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
