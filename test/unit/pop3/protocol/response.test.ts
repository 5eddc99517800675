import { test } from 'node:test';
import assert from 'node:assert/strict';
import { continuation, err, multiline, ok } from '../../../../src/pop3/protocol/response.ts';
import { uidlFor } from '../../../../src/pop3/protocol/uidl.ts';

test('status lines carry RESP-CODES and never a line break from the text', () => {
  assert.equal(ok('2 320'), '+OK 2 320\r\n');
  assert.equal(ok(''), '+OK\r\n');
  assert.equal(err('Mailbox is locked', 'IN-USE'), '-ERR [IN-USE] Mailbox is locked\r\n');
  assert.equal(err('bad\r\n+OK fake'), '-ERR bad +OK fake\r\n');
  assert.equal(continuation(''), '+ \r\n');
});

test('multi-line responses are stuffed and terminated', () => {
  assert.equal(multiline('follows', ['TOP', '.odd']), '+OK follows\r\nTOP\r\n..odd\r\n.\r\n');
  assert.equal(multiline('none', []), '+OK none\r\n.\r\n');
});

test('UIDL ids come from UIDVALIDITY and UID, are stable and within RFC 1939 §7 limits', () => {
  assert.equal(uidlFor(1700000000, 42), uidlFor(1700000000n, 42n));
  assert.notEqual(uidlFor(1, 23), uidlFor(12, 3));
  const big = uidlFor(2n ** 64n - 1n, 2n ** 64n - 1n);
  assert.ok(big.length <= 70);
  assert.match(big, /^[\x21-\x7e]+$/);
});
