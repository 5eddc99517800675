import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldsNamed, splitHeaderFields, withoutFields } from '../../../src/mime/header-fields.ts';

test('splits fields with continuation lines and finds the header end', () => {
  const raw = Buffer.from('Subject: a\r\n b\r\nFrom: x@y\r\n\r\nbody\r\nReceived: no\r\n');
  const section = splitHeaderFields(raw);
  assert.deepEqual(section.fields.map((f) => f.name), ['Subject', 'From']);
  assert.equal(raw.toString('latin1', section.fields[0]!.start, section.fields[0]!.end), 'Subject: a\r\n b\r\n');
  assert.equal(section.headerEnd, raw.indexOf('\r\n\r\n') + 2);
});

test('a message with no header section has no fields', () => {
  const section = splitHeaderFields(Buffer.from('\r\nbody only\r\n'));
  assert.equal(section.fields.length, 0);
  assert.equal(section.headerEnd, 0);
});

test('a message that is all header has headerEnd at its length', () => {
  const raw = Buffer.from('A: 1\r\nB: 2\r\n');
  assert.equal(splitHeaderFields(raw).headerEnd, raw.length);
});

test('withoutFields removes exactly the named fields', () => {
  const raw = Buffer.from('A: 1\r\nb: 2\r\n  more\r\nC: 3\r\n\r\nbody');
  const section = splitHeaderFields(raw);
  assert.equal(withoutFields(raw, fieldsNamed(section, 'B')).toString(), 'A: 1\r\nC: 3\r\n\r\nbody');
});
