import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineReader, type LineEvent } from '../../../../src/pop3/protocol/line-reader.ts';

function drain(r: LineReader): LineEvent[] {
  const out: LineEvent[] = [];
  for (let e = r.next(); e !== undefined; e = r.next()) out.push(e);
  return out;
}

test('lines split on CRLF or bare LF, across chunk boundaries', () => {
  const r = new LineReader(64);
  r.push(Buffer.from('USER a\r\nPA'));
  r.push(Buffer.from('SS b c\r'));
  r.push(Buffer.from('\nNOOP\n'));
  assert.deepEqual(drain(r), [
    { kind: 'line', line: 'USER a' }, { kind: 'line', line: 'PASS b c' }, { kind: 'line', line: 'NOOP' }]);
  assert.equal(r.buffered, 0);
});

test('a line at the limit passes; one octet more is reported once and discarded to its LF', () => {
  const r = new LineReader(10);
  r.push(Buffer.from('12345678\r\n'));
  assert.deepEqual(drain(r), [{ kind: 'line', line: '12345678' }]);
  r.push(Buffer.from('123456789\r\nNOOP\r\n'));
  assert.deepEqual(drain(r), [{ kind: 'overlong' }, { kind: 'line', line: 'NOOP' }]);
});

test('an overlong line arriving in pieces is never buffered past the limit', () => {
  const r = new LineReader(16);
  r.push(Buffer.from('X'.repeat(20)));
  assert.deepEqual(drain(r), [{ kind: 'overlong' }]);
  for (let i = 0; i < 100; i++) r.push(Buffer.from('Y'.repeat(1000)));
  assert.equal(r.buffered, 0);
  assert.deepEqual(drain(r), []);
  r.push(Buffer.from('ZZZ\r\nSTAT\r\n'));
  assert.deepEqual(drain(r), [{ kind: 'line', line: 'STAT' }]);
});

test('clear() drops what was pipelined (RFC 2595 §4 after STLS)', () => {
  const r = new LineReader(64);
  r.push(Buffer.from('STLS\r\nUSER evil\r\nPASS x'));
  assert.deepEqual(r.next(), { kind: 'line', line: 'STLS' });
  r.clear();
  r.push(Buffer.from('\r\nCAPA\r\n'));
  assert.deepEqual(drain(r), [{ kind: 'line', line: '' }, { kind: 'line', line: 'CAPA' }]);
});
