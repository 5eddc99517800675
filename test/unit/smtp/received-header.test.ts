import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReceived, rfc5322Date, withProtocol } from '../../../src/smtp/received-header.ts';

const date = new Date(Date.UTC(2026, 0, 5, 7, 8, 9));

test('RFC 5322 date in UTC', () => {
  assert.equal(rfc5322Date(date), 'Mon, 5 Jan 2026 07:08:09 +0000');
});

test('protocol names per RFC 3848 and RFC 6531', () => {
  assert.equal(withProtocol({ esmtp: true, smtputf8: false }), 'ESMTP');
  assert.equal(withProtocol({ esmtp: true, smtputf8: false, tls: { protocol: 'TLSv1.3', cipher: 'x' } }), 'ESMTPS');
  assert.equal(withProtocol({ esmtp: true, smtputf8: true, tls: { protocol: 'TLSv1.3', cipher: 'x' } }), 'UTF8SMTPS');
  assert.equal(withProtocol({ esmtp: false, smtputf8: false }), 'SMTP');
});

test('Received field is folded, CRLF-terminated and names the recipient only when given', () => {
  const r = buildReceived({ helo: 'client.example', ip: '192.0.2.1', hostname: 'mx.test', id: 'abc', smtputf8: false, esmtp: true, recipient: 'u@test', date });
  assert.equal(r, 'Received: from client.example ([192.0.2.1])\r\n\tby mx.test (Postern) with ESMTP id abc\r\n\tfor <u@test>; Mon, 5 Jan 2026 07:08:09 +0000\r\n');
  const v6 = buildReceived({ helo: 'h', ip: '::1', hostname: 'mx.test', id: 'i', smtputf8: false, esmtp: true, date });
  assert.match(v6, /^Received: from h \(\[IPv6:::1\]\)\r\n\tby mx.test \(Postern\) with ESMTP id i; Mon/);
});

test('control characters never reach the field', () => {
  const r = buildReceived({ helo: 'evil\r\nX-Injected: 1', ip: '192.0.2.1', hostname: 'mx.test', id: 'i', smtputf8: false, esmtp: true, date });
  assert.equal(r.split('\r\n').length, 3);
  assert.doesNotMatch(r, /\r\nX-Injected/);
});
