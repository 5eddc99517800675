// THREAD and SORT building blocks: RFC 5256 §2.1 base subjects (the RFC's own cases and imaptest's),
// and both threading algorithms on small graphs whose answers RFC 5256 §3 decides.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baseSubject, sortKeysOf } from '../../../../src/mime/sort-keys.ts';
import { orderedSubject, references, type ThreadInput } from '../../../../src/imap/protocol/threading.ts';

test('base subject: leaders, blobs, trailers and [fwd: ...] wrappers are removed; a lone blob stays', () => {
  assert.deepEqual(baseSubject('[foo] Fwd: [bar] Re: fw: b (fWd)  (fwd)'), { base: 'b', reply: true });
  assert.deepEqual(baseSubject('re: [fwd: [fwd: re: [fwd: babylon]]]'), { base: 'babylon', reply: true });
  assert.deepEqual(baseSubject('Re: [FWD: c]'), { base: 'c', reply: true });
  assert.deepEqual(baseSubject('[xyz]'), { base: '[xyz]', reply: false });
  assert.deepEqual(baseSubject('b (a)'), { base: 'b (a)', reply: false });
  assert.deepEqual(baseSubject('Ad: Re: Ad: x'), { base: 'Ad: Re: Ad: x', reply: false });
});

test('sort keys: first address mailbox, RFC 5957 display, Message-ID and parents', () => {
  const h: Record<string, string> = {
    subject: '=?utf-8?q?Re:_hello?=', from: '=?iso-8859-1?q?foo_aar?= <e@f.g>', to: 'grp: a@b.c;', 'message-id': '<m1@x>',
    'in-reply-to': '<p@x> <q@x>',
  };
  const k = sortKeysOf((n) => h[n] ?? null);
  assert.equal(k.s, 'HELLO');
  assert.equal(k.r, true);
  assert.equal(k.f, 'E');
  assert.equal(k.df, 'FOO AAR');
  assert.equal(k.dt, 'GRP');
  assert.equal(k.id, 'm1@x');
  assert.deepEqual(k.p, ['p@x'], 'In-Reply-To gives one parent when References is absent');
});

const m = (id: number, messageId: string, parents: string[] = [], date = 0, subject = ''): ThreadInput =>
  ({ id, date, subject, reply: false, messageId, parents });

test('REFERENCES: chains, siblings by date, a loop broken by the later message, duplicates and dummies', () => {
  assert.equal(references([m(1, '1'), m(2, '2', ['1']), m(3, '3', ['1']), m(4, '4', ['2'])]), '(1 (2 4)(3))');
  // imaptest "thread": b refers to a and c, c to b; the reply that would close the loop is dropped.
  assert.equal(references([m(1, 'a', [], 3), m(2, 'b', ['a', 'c'], 1), m(3, 'c', ['b'], 2)]), '(3 2)(1)');
  assert.equal(references([m(1, '', ['x']), m(2, '', ['x'])]), '((1)(2))', 'two replies to a missing parent are siblings');
  assert.equal(references([m(1, 'a'), m(2, 'b', ['a']), m(3, 'c', ['b']), m(4, 'b', ['a'])]), '(1 (2 3)(4))', 'a duplicate Message-ID is a new message');
  assert.equal(references([m(1, 'a', ['a'])]), '(1)', 'a self-reference is no parent');
});

test('ORDEREDSUBJECT: one thread per base subject, earliest first, threads by their first date', () => {
  assert.equal(orderedSubject([m(1, '', [], 5, 'A'), m(2, '', [], 1, 'B'), m(3, '', [], 2, 'B'), m(4, '', [], 3, 'B')]), '(2 (3)(4))(1)');
  assert.equal(orderedSubject([m(1, '', [], 1, 'A'), m(2, '', [], 2, 'A')]), '(1 2)');
});
