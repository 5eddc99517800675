import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeMailboxName, encodeMailboxName } from '../../../../src/imap/protocol/mailbox-name-encoding.ts';

test('RFC 3501 §5.1.3 example', () => {
  assert.equal(encodeMailboxName('~peter/mail/台北/日本語'), '~peter/mail/&U,BTFw-/&ZeVnLIqe-');
  assert.equal(decodeMailboxName('~peter/mail/&U,BTFw-/&ZeVnLIqe-'), '~peter/mail/台北/日本語');
  assert.equal(encodeMailboxName('A&B'), 'A&-B');
  assert.equal(decodeMailboxName('A&-B'), 'A&B');
  assert.equal(encodeMailboxName('Entwürfe'), 'Entw&APw-rfe');
  assert.equal(encodeMailboxName('😀'), '&2D3eAA-');
  assert.equal(decodeMailboxName('&2D3eAA-'), '😀');
});

test('strict decoding refuses non-canonical or broken input', () => {
  for (const bad of [
    '&U,BTFw-&ZeVnLIqe-', // adjacent runs
    '&AGEAYgBj-', // "abc" encoded
    '&U,BTFw', // unterminated
    '&U/BTFw-', // "/" is not in the modified alphabet
    '&U,BTFw=-', // padding
    '&2D0-', // lone high surrogate
    '&3gA-', // lone low surrogate
    '&APx-\u00e9', // raw 8-bit
    '&APz-', // non-zero padding bits
    '&A-', // fewer than 16 bits
  ]) {
    assert.equal(decodeMailboxName(bad), null, bad);
  }
});

test('property: decode(encode(s)) === s', () => {
  fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), (s) => assert.equal(decodeMailboxName(encodeMailboxName(s)), s)), { numRuns: 1000 });
});

test('property: decode never throws and what it accepts re-encodes to itself', () => {
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom(...'&-AZaz09+,/=é'.split('')), maxLength: 20 }), (s) => {
      const d = decodeMailboxName(s);
      if (d !== null) assert.equal(encodeMailboxName(d), s);
    }),
    { numRuns: 3000 },
  );
});
