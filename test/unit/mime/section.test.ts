// FETCH BODY[section] ranges (RFC 3501 §6.4.5), header subsetting and the
// stored tree's round trip, asserted on exact bytes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeTree, encodeTree, filterHeaderFields, indexMessage, sectionRange } from '../../../src/mime/index.ts';
import type { SectionKind } from '../../../src/mime/index.ts';
import { fixture } from './fixtures.ts';

function bytesOf(raw: Buffer, part: number[], kind: SectionKind): string | null {
  const m = indexMessage(raw);
  const r = sectionRange(m.tree, part, kind);
  return r === null ? null : raw.subarray(r.start, r.end).toString();
}

test('sections of a multipart with a nested message/rfc822', () => {
  const raw = fixture('nested-rfc822.eml');
  assert.equal(bytesOf(raw, [1], 'ALL'), 'See below.');
  assert.equal(bytesOf(raw, [1], 'MIME'), 'Content-Type: text/plain\r\n\r\n');
  assert.equal(bytesOf(raw, [2], 'MIME'), 'Content-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\n');
  // HEADER and TEXT of a message/rfc822 part are those of the encapsulated message.
  const header = bytesOf(raw, [2], 'HEADER');
  assert.ok(header?.startsWith('From: Planner <plan@example.org>\r\n'));
  assert.ok(header?.endsWith('boundary="inner"\r\n\r\n'));
  assert.ok(bytesOf(raw, [2], 'TEXT')?.startsWith('--inner\r\nContent-Type: text/plain\r\n\r\nPlan A.\r\n--inner'));
  // 2.1 and 2.2 are parts of the encapsulated message.
  assert.equal(bytesOf(raw, [2, 1], 'ALL'), 'Plan A.');
  assert.equal(bytesOf(raw, [2, 2], 'ALL'), '<p>Plan A.</p>');
  assert.equal(bytesOf(raw, [2, 2], 'MIME'), 'Content-Type: text/html\r\n\r\n');
  // HEADER/TEXT are only defined for message/rfc822 parts; part numbers past the end do not exist.
  assert.equal(bytesOf(raw, [1], 'HEADER'), null);
  assert.equal(bytesOf(raw, [1], 'TEXT'), null);
  assert.equal(bytesOf(raw, [3], 'ALL'), null);
  assert.equal(bytesOf(raw, [2, 3], 'ALL'), null);
  assert.equal(bytesOf(raw, [0], 'ALL'), null);
  assert.equal(bytesOf(raw, [], 'MIME'), null);
});

test('sections of the whole message', () => {
  const raw = fixture('plain.eml');
  assert.equal(bytesOf(raw, [], 'ALL'), raw.toString());
  assert.equal(bytesOf(raw, [], 'TEXT'), 'Hi Bob,\r\nLunch at noon?\r\n');
  const header = bytesOf(raw, [], 'HEADER') ?? '';
  assert.ok(header.startsWith('Return-Path: <alice@example.org>\r\n'));
  assert.ok(header.endsWith('CHARSET=US-ASCII\r\n\r\n'));
  assert.equal(header.length + 'Hi Bob,\r\nLunch at noon?\r\n'.length, raw.length);
  // RFC 3501 §6.4.5: part 1 of a non-multipart message is its body.
  assert.equal(bytesOf(raw, [1], 'ALL'), 'Hi Bob,\r\nLunch at noon?\r\n');
  assert.equal(bytesOf(raw, [2], 'ALL'), null);
});

test('a top-level message/rfc822: part 1 is the encapsulated message, 1.1 its body', () => {
  const raw = Buffer.from('Content-Type: message/rfc822\r\n\r\nSubject: in\r\n\r\ninner body');
  assert.equal(bytesOf(raw, [1], 'ALL'), 'Subject: in\r\n\r\ninner body');
  assert.equal(bytesOf(raw, [1], 'HEADER'), 'Subject: in\r\n\r\n');
  assert.equal(bytesOf(raw, [1, 1], 'ALL'), 'inner body');
});

test('multipart/digest part 1 is a message: 1.HEADER is its header', () => {
  const raw = fixture('digest.eml');
  assert.equal(bytesOf(raw, [1], 'HEADER'), 'From: one@example.com\r\nSubject: First\r\n\r\n');
  assert.equal(bytesOf(raw, [1], 'TEXT'), 'One.');
  assert.equal(bytesOf(raw, [2], 'ALL'), 'Not a message.');
});

test('filterHeaderFields keeps named fields with continuations, case-insensitive, plus the blank line', () => {
  const header = Buffer.from('From: a@b.c\r\nSubject: one\r\n two\r\nTo: x@y.z\r\nsubject: again\r\n\r\n');
  assert.equal(filterHeaderFields(header, ['SUBJECT'], false).toString(), 'Subject: one\r\n two\r\nsubject: again\r\n\r\n');
  assert.equal(filterHeaderFields(header, ['subject', 'from'], true).toString(), 'To: x@y.z\r\n\r\n');
  assert.equal(filterHeaderFields(header, ['x-none'], false).toString(), '\r\n');
  // A header cut off without a final line break still yields well-formed lines.
  assert.equal(filterHeaderFields(Buffer.from('To: x@y.z'), ['to'], false).toString(), 'To: x@y.z\r\n\r\n');
});

test('encodeTree/decodeTree round trip every fixture shape, and stay compact', () => {
  for (const name of ['plain.eml', 'attachment-2231.eml', 'nested-rfc822.eml', 'digest.eml', 'related.eml']) {
    const raw = fixture(name);
    const m = indexMessage(raw);
    const s = encodeTree(m.tree);
    assert.deepEqual(decodeTree(s), m.tree, name);
    assert.ok(s.length < JSON.stringify(m.tree).length / 2, `${name}: ${s.length} chars`);
  }
});
