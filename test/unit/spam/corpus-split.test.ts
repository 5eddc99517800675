// The benchmark corpus's split (bench/spam-corpus.ts): the filter's parameters are chosen on the
// "tune" half and its figures reported on the "test" half, so the halves must never share a message,
// must cover the corpus, and must each hold every group in arrival order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCorpus, splitOf } from '../../../bench/spam-corpus.ts';

test('corpus split: disjoint halves that cover the corpus, each with every group, in arrival order', () => {
  const all = loadCorpus('all');
  const tune = loadCorpus('tune');
  const held = loadCorpus('test');
  const names = (s: { file: string }[]) => new Set(s.map((x) => x.file));
  const [t, h] = [names(tune), names(held)];
  assert.equal(t.size + h.size, all.length);
  for (const f of t) assert.ok(!h.has(f), f);
  assert.ok(Math.abs(tune.length - held.length) < all.length * 0.05, `${tune.length} / ${held.length}`);
  for (const half of [tune, held]) {
    for (const g of ['easy', 'hard', 'spam'] as const) assert.ok(half.filter((x) => x.group === g).length > 100, g);
    for (let i = 1; i < half.length; i++) assert.ok(half[i - 1]!.date <= half[i]!.date);
  }
  assert.equal(splitOf('spam-1/00001.txt'), splitOf('spam-1/00001.txt'));
  assert.notEqual(splitOf(tune[0]!.file), splitOf(held[0]!.file));
});
