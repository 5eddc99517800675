import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReceived, withProtocol } from '../../../src/mime/received.ts';
import { rfc5322Date } from '../../../src/mime/date-time.ts';
import { datePart } from '../../../src/sieve/dates.ts';

const date = new Date(Date.UTC(2026, 0, 5, 7, 8, 9));

test('RFC 5322 §3.3 date in UTC, from a Date or from milliseconds, the day not padded', () => {
  assert.equal(rfc5322Date(date), 'Mon, 5 Jan 2026 07:08:09 +0000');
  assert.equal(rfc5322Date(date.getTime()), 'Mon, 5 Jan 2026 07:08:09 +0000');
  assert.equal(rfc5322Date(0), 'Thu, 1 Jan 1970 00:00:00 +0000');
});

test('protocol names per RFC 3848 and RFC 6531', () => {
  assert.equal(withProtocol({ esmtp: true, smtputf8: false }), 'ESMTP');
  assert.equal(withProtocol({ esmtp: true, smtputf8: false, tls: { protocol: 'TLSv1.3', cipher: 'x' } }), 'ESMTPS');
  assert.equal(withProtocol({ esmtp: true, smtputf8: true, tls: { protocol: 'TLSv1.3', cipher: 'x' } }), 'UTF8SMTPS');
  assert.equal(withProtocol({ esmtp: false, smtputf8: false }), 'SMTP');
  assert.equal(withProtocol({ esmtp: true, smtputf8: false, authenticated: true }), 'ESMTPA');
  assert.equal(withProtocol({ esmtp: true, smtputf8: false, authenticated: true, tls: {} }), 'ESMTPSA');
});

test('Received field is folded, CRLF-terminated and names the recipient only when given', () => {
  const r = buildReceived({ helo: 'client.example', ip: '192.0.2.1', hostname: 'mx.test', id: 'abc', protocol: 'ESMTP', recipient: 'u@test', date });
  assert.equal(r, 'Received: from client.example ([192.0.2.1])\r\n\tby mx.test (Postern) with ESMTP id abc\r\n\tfor <u@test>; Mon, 5 Jan 2026 07:08:09 +0000\r\n');
  const v6 = buildReceived({ helo: 'h', ip: '::1', hostname: 'mx.test', id: 'i', protocol: 'ESMTP', date });
  assert.match(v6, /^Received: from h \(\[IPv6:::1\]\)\r\n\tby mx.test \(Postern\) with ESMTP id i; Mon/);
});

test('control characters never reach the field', () => {
  const r = buildReceived({ helo: 'evil\r\nX-Injected: 1', ip: '192.0.2.1', hostname: 'mx.test', id: 'i', protocol: 'ESMTP', date });
  assert.equal(r.split('\r\n').length, 3);
  assert.doesNotMatch(r, /\r\nX-Injected/);
});

test('one builder for both listeners: TLS without a cipher, and the client address left out when hidden', () => {
  const r = buildReceived({ helo: 'laptop', ip: '192.0.2.7', hostname: 'mx.test', id: 'Q1', protocol: 'ESMTPSA', tls: { protocol: 'TLSv1.3' }, date });
  assert.equal(r, 'Received: from laptop ([192.0.2.7])\r\n\tby mx.test (Postern) with ESMTPSA id Q1\r\n\t(using TLSv1.3); Mon, 5 Jan 2026 07:08:09 +0000\r\n');
  const hidden = buildReceived({ helo: 'laptop', hostname: 'mx.test', id: 'Q1', protocol: 'ESMTPA', date });
  assert.equal(hidden, 'Received: from laptop\r\n\tby mx.test (Postern) with ESMTPA id Q1; Mon, 5 Jan 2026 07:08:09 +0000\r\n');
  const noHelo = buildReceived({ helo: '', ip: '192.0.2.7', hostname: 'mx.test', id: 'i', protocol: 'ESMTP', date });
  assert.match(noHelo, /^Received: from \[192\.0\.2\.7\] \(\[192\.0\.2\.7\]\)\r\n/);
});

test('the RFC 5322 date in another zone is the same instant with that offset (Sieve std11)', () => {
  assert.equal(rfc5322Date(date, 60), 'Mon, 5 Jan 2026 08:08:09 +0100');
  assert.equal(rfc5322Date(date, -510), 'Sun, 4 Jan 2026 22:38:09 -0830');
  assert.equal(datePart('std11', date.getTime(), 60), 'Mon, 5 Jan 2026 08:08:09 +0100');
});
