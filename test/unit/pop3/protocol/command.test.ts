import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommand, parseLineCount, parseMessageNumber } from '../../../../src/pop3/protocol/command.ts';

test('keywords are case-insensitive and arguments split on spaces', () => {
  assert.deepEqual(parseCommand('top 1  10'), { ok: true, command: { keyword: 'TOP', args: ['1', '10'] } });
  assert.deepEqual(parseCommand('Stat'), { ok: true, command: { keyword: 'STAT', args: [] } });
  assert.deepEqual(parseCommand('USER Alice@Example.test'), { ok: true, command: { keyword: 'USER', args: ['Alice@Example.test'] } });
});

test('PASS keeps the rest of the line, spaces included', () => {
  assert.deepEqual(parseCommand('PASS  a secret pass '), { ok: true, command: { keyword: 'PASS', args: [' a secret pass '] } });
  assert.deepEqual(parseCommand('PASS'), { ok: true, command: { keyword: 'PASS', args: [] } });
});

test('empty and malformed keywords are refused', () => {
  assert.equal(parseCommand('').ok, false);
  assert.equal(parseCommand('RETR-1').ok, false);
  assert.equal(parseCommand('R1 2').ok, false);
  assert.equal(parseCommand(' STAT').ok, false);
});

test('message numbers are positive decimals; line counts may be zero', () => {
  assert.equal(parseMessageNumber('12'), 12);
  assert.equal(parseMessageNumber('0'), null);
  assert.equal(parseMessageNumber('-1'), null);
  assert.equal(parseMessageNumber('1e3'), null);
  assert.equal(parseMessageNumber('9999999999'), null);
  assert.equal(parseMessageNumber(undefined), null);
  assert.equal(parseLineCount('0'), 0);
  assert.equal(parseLineCount('x'), null);
});
