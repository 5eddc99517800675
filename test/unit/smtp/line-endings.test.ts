import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineEndingNormalizer } from '../../../src/smtp/line-endings.ts';

function run(chunks: string[]) {
  const n = new LineEndingNormalizer();
  const out = Buffer.concat(chunks.map((c) => n.push(Buffer.from(c, 'latin1'))));
  n.end();
  return { out: out.toString('latin1'), bareCr: n.bareCr, bareLf: n.bareLf };
}

test('CRLF content passes through unchanged', () => {
  assert.deepEqual(run(['a\r\nb\r\n']), { out: 'a\r\nb\r\n', bareCr: false, bareLf: 0 });
});

test('bare LF becomes CRLF', () => {
  assert.deepEqual(run(['a\nb\r\nc\n']), { out: 'a\r\nb\r\nc\r\n', bareCr: false, bareLf: 2 });
});

test('CRLF split across chunks is not mistaken for bare CR or bare LF', () => {
  assert.deepEqual(run(['a\r', '\nb\r', '\n']), { out: 'a\r\nb\r\n', bareCr: false, bareLf: 0 });
});

test('bare CR is reported, in the middle, at a chunk edge and at the end', () => {
  assert.equal(run(['a\rb\r\n']).bareCr, true);
  assert.equal(run(['a\r', 'b\r\n']).bareCr, true);
  assert.equal(run(['a\r\nb\r']).bareCr, true);
});

test('LF.LF smuggling stays content as a CRLF "." line', () => {
  assert.equal(run(['x\n.\nMAIL FROM:<a@b>\r\n']).out, 'x\r\n.\r\nMAIL FROM:<a@b>\r\n');
});

test('every byte boundary gives the same result as one chunk', () => {
  const input = 'a\r\nb\nc\r\n.\n\r\nd\n';
  const whole = run([input]);
  for (let i = 1; i < input.length; i++) assert.deepEqual(run([input.slice(0, i), input.slice(i)]), whole);
});
