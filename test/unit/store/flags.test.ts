// STORE's flag change (src/store/flags.ts flagChange), the one both engines apply to each message:
// +FLAGS, -FLAGS and FLAGS on the stored bit set and keyword list (RFC 3501 §6.4.6), keywords
// compared without case (§2.3.2), kept keywords in their order and first spelling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FLAG_BITS, decodeFlags, encodeFlags, flagChange } from '../../../src/store/flags.ts';

const SEEN = FLAG_BITS['\\Seen'];
const FLAGGED = FLAG_BITS['\\Flagged'];
const DELETED = FLAG_BITS['\\Deleted'];

test('+FLAGS adds bits and the keywords the message lacks, keeping the spelling it has', () => {
  const change = flagChange('add', ['\\Flagged', '$junk', 'Work']);
  assert.deepEqual(change.apply(SEEN, '$Junk'), { bits: SEEN | FLAGGED, keywords: '$Junk Work' });
  assert.deepEqual(change.apply(0, ''), { bits: FLAGGED, keywords: '$junk Work' });
});

test('-FLAGS removes bits and keywords whatever their case, and leaves the others in order', () => {
  const change = flagChange('remove', ['\\seen', 'WORK']);
  assert.deepEqual(change.apply(SEEN | DELETED, 'a work b'), { bits: DELETED, keywords: 'a b' });
  assert.deepEqual(change.apply(FLAGGED, ''), { bits: FLAGGED, keywords: '' });
});

test('FLAGS replaces bits and keywords, the command\'s duplicates folded', () => {
  const change = flagChange('replace', ['\\Deleted', 'x', 'X', 'y']);
  assert.deepEqual(change.apply(SEEN | FLAGGED, 'old'), { bits: DELETED, keywords: 'x y' });
  assert.deepEqual(flagChange('replace', []).apply(SEEN, 'a b'), { bits: 0, keywords: '' });
});

test('the change exposes the command\'s own bits and keywords (for set-based updates and the filing check)', () => {
  const change = flagChange('add', ['\\Seen', '\\SEEN', '$NotJunk', '$notjunk']);
  assert.equal(change.bits, SEEN);
  assert.deepEqual(change.keywords, ['$NotJunk']);
});

const keyword = fc.constantFrom('a', 'A', 'b', 'Work', 'work', '$Junk', '$NotJunk');
const system = fc.constantFrom(...Object.keys(FLAG_BITS));
const flagList = fc.array(fc.oneof(keyword, system), { maxLength: 6 });

test('properties: add then remove of the same flags leaves none of them; add and remove are idempotent', () => {
  fc.assert(fc.property(flagList, flagList, (stored, named) => {
    const { bits, keywords } = encodeFlags(stored);
    const start = keywords.join(' ');
    const added = flagChange('add', named).apply(bits, start);
    assert.deepEqual(flagChange('add', named).apply(added.bits, added.keywords), added);
    const removed = flagChange('remove', named).apply(added.bits, added.keywords);
    assert.deepEqual(flagChange('remove', named).apply(removed.bits, removed.keywords), removed);
    const left = new Set(decodeFlags(removed.bits, removed.keywords).map((f) => f.toLowerCase()));
    for (const f of named) assert.equal(left.has(f.toLowerCase()), false);
    // What was stored and not named stays, in its order and spelling.
    const namedLower = new Set(named.map((f) => f.toLowerCase()));
    assert.deepEqual(removed.keywords ? removed.keywords.split(' ') : [], keywords.filter((k) => !namedLower.has(k.toLowerCase())));
  }), { numRuns: Number(process.env.POSTERN_FUZZ_RUNS ?? 200) });
});
