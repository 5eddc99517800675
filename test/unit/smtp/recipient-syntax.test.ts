import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRecipient } from '../../../src/smtp/recipient-syntax.ts';

const kind = (a: string) => { const r = checkRecipient(a); return r.kind === 'refuse' ? `${r.code} ${r.enhanced}` : r.kind; };

test('plain addresses, plus tags, IDN and A-labels pass', () => {
  assert.deepEqual(checkRecipient('User+tag@Example.COM'), { kind: 'address', localPart: 'User+tag', domain: 'Example.COM' });
  assert.equal(kind('jörg@bücher.example'), 'address');
  assert.equal(kind('a@xn--bcher-kva.example'), 'address');
  assert.equal(kind('"plain quoted"@example.com'), 'address');
  assert.equal(kind('Postmaster'), 'postmaster');
});

test('relaying tricks are refused with 554 5.7.1', () => {
  assert.equal(kind('user%other.example@local.test'), '554 5.7.1');
  assert.equal(kind('other.example!user@local.test'), '554 5.7.1');
  assert.equal(kind('"user@other.example"@local.test'), '554 5.7.1');
  assert.equal(kind('"user%other"@local.test'), '554 5.7.1');
  assert.equal(kind('user@[192.0.2.1]'), '554 5.7.1');
});

test('syntax errors are 501 5.1.3', () => {
  for (const bad of ['', 'noat', '@local.test', 'user@', 'a@b@local.test', 'a..b@local.test', '.a@local.test', 'a b@local.test', 'a@-bad-.test', 'a@local..test', '"unterminated@local.test']) {
    assert.equal(kind(bad), '501 5.1.3', bad);
  }
});
