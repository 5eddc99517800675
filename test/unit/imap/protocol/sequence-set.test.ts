import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { contains, formatNumbers, parseSequenceSet, resolve, STAR } from '../../../../src/imap/protocol/sequence-set.ts';
import { ImapSyntaxError } from '../../../../src/imap/protocol/tokens.ts';

test('parses numbers, ranges, star and $', () => {
  assert.deepEqual(parseSequenceSet('1,3:5,7:*'), { saved: false, ranges: [[1, 1], [3, 5], [7, STAR]] });
  assert.deepEqual(parseSequenceSet('$'), { saved: true });
});

test('refuses 0, 4294967296, empty parts and junk', () => {
  for (const bad of ['0', '4294967296', '1,,2', '', '1:', ':2', 'a', '1:2:3', '01', '-1', '99999999999']) {
    assert.throws(() => parseSequenceSet(bad), ImapSyntaxError, bad);
  }
  assert.doesNotThrow(() => parseSequenceSet('4294967295'));
});

test('resolve orders reversed ranges, replaces star, merges', () => {
  const s = parseSequenceSet('9:7,*,1:2,3');
  assert.ok(!s.saved);
  if (!s.saved) assert.deepEqual(resolve(s.ranges, 20), [[1, 3], [7, 9], [20, 20]]);
  const u = parseSequenceSet('5:*');
  if (!u.saved) assert.deepEqual(resolve(u.ranges, 3), [[3, 5]]);
});

test('star on an empty mailbox resolves to nothing', () => {
  const s = parseSequenceSet('1:*');
  if (!s.saved) assert.deepEqual(resolve(s.ranges, 0), [[1, 1]]);
  const t = parseSequenceSet('*');
  if (!t.saved) assert.deepEqual(resolve(t.ranges, 0), []);
});

test('formatNumbers compresses runs', () => {
  assert.equal(formatNumbers([1, 2, 3, 5, 7, 8]), '1:3,5,7:8');
  assert.equal(formatNumbers([]), '');
});

test('property: resolve + contains agrees with a naive model', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 60 })), { minLength: 1, maxLength: 8 }), fc.integer({ min: 0, max: 50 }), (pairs, max) => {
      const text = pairs.map(([a, b]) => (a === b ? `${a}` : `${a}:${b === 60 ? '*' : b}`)).join(',');
      const set = parseSequenceSet(text);
      assert.ok(!set.saved);
      if (set.saved) return;
      const r = resolve(set.ranges, max);
      for (let n = 1; n <= 61; n++) {
        const naive: boolean = set.ranges.some(([a, b]) => {
          const x = a === STAR ? max : a;
          const y = b === STAR ? max : b;
          return n >= Math.min(x, y) && n <= Math.max(x, y);
        });
        assert.equal(contains(r, n), naive);
      }
    }),
  );
});
