import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asctime, quoteFromLines } from '../../../src/export/mbox.ts';

test('mboxrd quoting adds one ">" to every line that is ">*From ", at the start too, and nothing else', () => {
  const q = (s: string) => quoteFromLines(Buffer.from(s)).toString();
  assert.equal(q('From me\r\nbody\r\n'), '>From me\r\nbody\r\n');
  assert.equal(q('a\r\nFrom x\r\n>From y\r\n>>From z\r\n'), 'a\r\n>From x\r\n>>From y\r\n>>>From z\r\n');
  assert.equal(q('a From b\r\nFromage\r\n>From\r\n'), 'a From b\r\nFromage\r\n>From\r\n', 'only "From " at a line start');
  const plain = Buffer.from('no quoting needed\r\n');
  assert.equal(quoteFromLines(plain), plain, 'unchanged input is not copied');
});

test('From_ line dates are asctime in UTC with a space-padded day', () => {
  assert.equal(asctime(Date.UTC(2020, 0, 2, 3, 4, 5)), 'Thu Jan  2 03:04:05 2020');
  assert.equal(asctime(Date.UTC(2024, 11, 31, 23, 59, 59)), 'Tue Dec 31 23:59:59 2024');
});
