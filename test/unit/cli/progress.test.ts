import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProgress } from '../../../src/cli/progress.ts';

function sink(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, write: (s: string) => { writes.push(s); return true; } } };
}

test('on a terminal the bar is redrawn in place, at most every 100 ms', () => {
  let t = 0;
  const { writes, stream } = sink(true);
  const p = createProgress({ label: 'import', total: 4, unit: 'messages', stream, now: () => t });
  p.tick();
  p.tick();
  t = 150;
  p.tick();
  p.tick();
  p.done();
  assert.equal(writes.length, 4, 'first tick, the first one after 150 ms, done, and the final newline');
  assert.match(writes[0]!, /^\r\x1b\[Kimport \[#{8}\.{22}\] 1\/4 messages \(25%\)$/);
  assert.match(writes[2]!, /\[#{30}\] 4\/4 messages \(100%\)$/);
  assert.equal(writes[3], '\n');
});

test('elsewhere progress is plain lines, at most one every 5 s, and a final line', () => {
  let t = 0;
  const { writes, stream } = sink(false);
  const p = createProgress({ label: 'import', stream, now: () => t });
  for (let i = 0; i < 100; i++) p.tick();
  t = 6000;
  p.tick();
  p.setTotal(200);
  p.done();
  p.done();
  assert.deepEqual(writes, ['import: 1\n', 'import: 101\n', 'import: 101/200 (50%)\n']);
});
