import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkEnvelopeSender, checkFromHeader, fromAddresses, normalizeLineEndings, fixupSubmittedMessage,
  checkHourlyRate, checkRecipientCount, BARE_CR_REFUSED, fromMailboxes, addressesInName,
  FROM_NOT_OWNED, DISPLAY_NAME_NOT_OWNED, ONE_FROM, NO_FROM,
} from '../../../src/smtp/submission-policy.ts';
import { rfc5322Date } from '../../../src/mime/date-time.ts';

test('the envelope sender must be owned by the user; the null sender is refused', () => {
  assert.equal(checkEnvelopeSender('alice@example.test', true), null);
  assert.equal(checkEnvelopeSender('bob@example.test', false)?.code, 553);
  assert.match(checkEnvelopeSender('nobody@elsewhere.test', false)!.message, /^5\.7\.1 /);
  assert.equal(checkEnvelopeSender('', true)?.code, 553);
});

test('From: addresses are parsed (display names, groups, several mailboxes)', () => {
  const msg = Buffer.from('From: "Alice, A." <Alice@Example.test>, team: b@example.test;\r\nTo: x@y.test\r\n\r\nhi\r\n');
  assert.deepEqual(fromAddresses(msg), ['alice@example.test', 'b@example.test']);
});

const mine = (a: string) => a === 'alice@example.test' || a === 'alice+news@example.test';
const checkFrom = (header: string) => checkFromHeader(fromMailboxes(Buffer.from(`${header}\r\nTo: x@y.test\r\n\r\nhi\r\n`)), mine);

test('From: one field, one mailbox the user owns, and no address-looking display name they do not own', () => {
  assert.equal(checkFrom('From: Alice <alice@example.test>'), null);
  assert.equal(checkFrom('From: "alice@example.test" <alice+news@example.test>'), null, 'an own address as the display name');
  assert.equal(checkFrom('From: bob@example.test'), FROM_NOT_OWNED);
  assert.equal(checkFrom('From: ceo@bank.example <alice@example.test>'), DISPLAY_NAME_NOT_OWNED);
  assert.equal(checkFrom('From: "The CEO (ceo@bank.example.)" <alice@example.test>'), DISPLAY_NAME_NOT_OWNED);
  assert.equal(checkFrom('From: =?utf-8?q?ceo=40bank=2Eexample?= <alice@example.test>'), DISPLAY_NAME_NOT_OWNED, 'an encoded word');
  assert.equal(checkFrom('From: "ceo\uff20bank.example" <alice@example.test>'), DISPLAY_NAME_NOT_OWNED, 'a fullwidth at sign');
  assert.equal(checkFrom('From: alice@example.test, bob@elsewhere.test'), ONE_FROM);
  assert.equal(checkFrom('From: alice@example.test, alice+news@example.test'), ONE_FROM, 'several bare addresses, even own ones');
  assert.equal(checkFrom('From: alice@example.test\r\nFrom: alice@example.test'), ONE_FROM);
  assert.equal(checkFrom('Subject: none'), NO_FROM);
  assert.equal(checkFrom('From: undisclosed'), NO_FROM, 'a mailbox without a domain');
  assert.equal(checkFrom('From: <>'), NO_FROM);
  // Read as IMAP's ENVELOPE reads it; what that parser drops still counts against the sender.
  assert.equal(checkFrom('From: "x" <alice@example.test> <ceo@bank.example>'), DISPLAY_NAME_NOT_OWNED, 'a second angle address');
  assert.equal(checkFrom('From: alice@example.test (ceo@bank.example)'), DISPLAY_NAME_NOT_OWNED, 'an address in a comment');
  assert.equal(checkFrom('From: <@route.example:alice@example.test>'), null, 'a source route is not an address');
  assert.deepEqual(addressesInName('Support team'), []);
});

test('line endings: bare LF becomes CRLF, bare CR is refused, CRLF input is returned as is', () => {
  const crlf = Buffer.from('a\r\nb\r\n');
  const r1 = normalizeLineEndings(crlf);
  assert.ok('message' in r1 && r1.message === crlf);
  const r2 = normalizeLineEndings(Buffer.from('a\nb\r\nc\n'));
  assert.ok('message' in r2);
  assert.equal(r2.message.toString(), 'a\r\nb\r\nc\r\n');
  // The smuggling pattern: <LF>.<CR><LF> and a lone CR.
  const r3 = normalizeLineEndings(Buffer.from('a\r\n\n.\r\nMAIL FROM:<x>'));
  assert.ok('message' in r3);
  assert.equal(r3.message.toString(), 'a\r\n\r\n.\r\nMAIL FROM:<x>');
  assert.deepEqual(normalizeLineEndings(Buffer.from('a\rb\r\n')), { reply: BARE_CR_REFUSED });
});

const opts = { now: Date.UTC(2026, 10, 21, 9, 5, 7), hostname: 'mail.example.test', clientIp: '192.0.2.7', clientHelo: 'laptop', hideClientIp: false, protocol: 'ESMTPSA', queueId: 'Q1' };

test('fix-ups: Date and Message-ID added when missing, Bcc removed, Received in the prefix', () => {
  const msg = Buffer.from('From: a@example.test\r\nBcc: secret@x.test,\r\n more@x.test\r\nSubject: s\r\n\r\nbody\r\n');
  const { message, received } = fixupSubmittedMessage(msg, opts);
  const text = message.toString();
  assert.doesNotMatch(text, /Bcc|secret|more@/);
  assert.match(text, /^Date: Sat, 21 Nov 2026 09:05:07 \+0000\r\n/m);
  assert.match(text, /^Message-ID: <[0-9a-f]{24}@mail\.example\.test>\r\n/m);
  assert.ok(text.endsWith('\r\n\r\nbody\r\n'));
  assert.match(received, /^Received: from laptop \(\[192\.0\.2\.7\]\)\r\n\tby mail\.example\.test \(Postern\) with ESMTPSA id Q1; Sat, 21 Nov 2026 09:05:07 \+0000\r\n$/);
  assert.ok(received.endsWith('\r\n'));
});

test('fix-ups leave a complete message untouched and hide the client IP when asked', () => {
  const msg = Buffer.from('From: a@example.test\r\nDate: x\r\nMessage-ID: <m@x>\r\n\r\nbody\r\n');
  const { message, received } = fixupSubmittedMessage(msg, { ...opts, hideClientIp: true });
  assert.equal(message, msg);
  assert.doesNotMatch(received, /192\.0\.2\.7/);
  assert.match(received, /^Received: from laptop\r\n/);
});

test('dates, rate and recipient limits', () => {
  assert.equal(rfc5322Date(0), 'Thu, 1 Jan 1970 00:00:00 +0000');
  assert.equal(checkHourlyRate(99, 100), null);
  assert.equal(checkHourlyRate(100, 100)?.code, 450);
  assert.equal(checkRecipientCount(50, 50), null);
  assert.match(checkRecipientCount(51, 50)!.message, /^4\.7\.1/);
});
