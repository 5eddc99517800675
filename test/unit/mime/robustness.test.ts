// indexMessage must never throw and must keep every offset inside the
// message, whatever the input: random bytes, mutated fixtures, hostile nesting.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { MIME_MAX_DEPTH, MIME_MAX_PARTS } from '../../../src/limits.ts';
import { decodeTree, encodeTree, indexMessage } from '../../../src/mime/index.ts';
import type { MimePart } from '../../../src/mime/index.ts';
import { FIXTURE_DIR, fixture } from './fixtures.ts';

function checkOffsets(part: MimePart, lo: number, hi: number, size: number): number {
  assert.ok(0 <= lo && hi <= size);
  assert.ok(lo <= part.headerStart, 'headerStart inside parent body');
  assert.ok(part.headerStart <= part.bodyStart, 'headerStart <= bodyStart');
  assert.ok(part.bodyStart <= part.end, 'bodyStart <= end');
  assert.ok(part.end <= hi, 'end inside parent body');
  let count = 1;
  for (const c of part.children) count += checkOffsets(c, part.bodyStart, part.end, size);
  if (part.message) count += checkOffsets(part.message, part.bodyStart, part.end, size);
  return count;
}

function checkMessage(raw: Buffer): void {
  const m = indexMessage(raw);
  assert.equal(m.size, raw.length);
  assert.equal(m.tree.headerStart, 0);
  assert.equal(m.tree.end, raw.length);
  checkOffsets(m.tree, 0, raw.length, raw.length);
  assert.ok(m.bodyStructure.startsWith('(') && m.bodyStructure.endsWith(')'));
  assert.ok(m.envelope.startsWith('(') && m.envelope.endsWith(')'));
  assert.deepEqual(decodeTree(encodeTree(m.tree)), m.tree);
}

const fixtures = readdirSync(FIXTURE_DIR).map((name) => fixture(name));

test('random bytes never throw and keep offsets in range', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => checkMessage(Buffer.from(bytes))), { numRuns: 300 });
});

test('random MIME-ish text never throws', () => {
  const piece = fc.constantFrom(
    '\r\n', '\n', '\r', '--b\r\n', '--b--\r\n', 'Content-Type: multipart/mixed; boundary=b\r\n',
    'Content-Type: message/rfc822\r\n', 'Content-Type: multipart/digest; boundary="b"\r\n', ': \r\n', ' cont\r\n',
    'From: "x\\" <y@z>\r\n', 'To: g:;,<@a:b@c>\r\n', 'Subject: =?utf-8?b?w6k=?=\r\n', 'Content-Transfer-Encoding: base64\r\n',
    'name*0*=utf-8\'\'%E2; name*1*=%82\r\n', '\u00e9\u00ff', '=\r\n', '<a href=x>&#x41;</a>',
  );
  fc.assert(fc.property(fc.array(piece, { maxLength: 60 }), (ps) => checkMessage(Buffer.from(ps.join(''), 'latin1'))), {
    numRuns: 300,
  });
});

test('mutated fixtures never throw', () => {
  const mutation = fc.record({
    which: fc.nat({ max: fixtures.length - 1 }),
    edits: fc.array(fc.tuple(fc.nat(), fc.nat({ max: 3 }), fc.uint8Array({ maxLength: 8 })), { maxLength: 6 }),
  });
  fc.assert(
    fc.property(mutation, ({ which, edits }) => {
      let raw = fixtures[which];
      for (const [at, kind, bytes] of edits) {
        const i = raw.length === 0 ? 0 : at % raw.length;
        if (kind === 0) raw = Buffer.concat([raw.subarray(0, i), Buffer.from(bytes), raw.subarray(i)]);
        else if (kind === 1) raw = Buffer.concat([raw.subarray(0, i), raw.subarray(i + bytes.length + 1)]);
        else if (kind === 2) raw = raw.subarray(0, i);
        else raw = Buffer.concat([raw.subarray(0, i), Buffer.from(bytes), raw.subarray(i + bytes.length)]);
      }
      checkMessage(raw);
    }),
    { numRuns: 400 },
  );
});

test('nesting past MIME_MAX_DEPTH becomes opaque instead of recursing', () => {
  let msg = 'Subject: deep\r\n\r\nbottom\r\n';
  for (let i = 0; i < MIME_MAX_DEPTH + 20; i++) msg = 'Content-Type: message/rfc822\r\n\r\n' + msg;
  const m = indexMessage(Buffer.from(msg));
  let depth = 0;
  let part: MimePart | null = m.tree;
  let last: MimePart = m.tree;
  while (part) {
    last = part;
    part = part.message;
    depth++;
  }
  assert.equal(depth, MIME_MAX_DEPTH + 1);
  assert.equal(`${last.type}/${last.subtype}`, 'application/octet-stream');
});

test('more parts than MIME_MAX_PARTS are cut off at the limit', () => {
  const body = '--b\r\n\r\nx\r\n'.repeat(MIME_MAX_PARTS + 100) + '--b--\r\n';
  const m = indexMessage(Buffer.from('Content-Type: multipart/mixed; boundary=b\r\n\r\n' + body));
  assert.equal(m.tree.children.length, MIME_MAX_PARTS - 1);
});

test('a 10 MB message is indexed in linear time', () => {
  const line = 'abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789\r\n';
  const big = line.repeat(Math.ceil((10 * 1024 * 1024) / line.length));
  const raw = Buffer.from(
    'Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n' + big + '--b\r\n\r\n' + big + '--b--\r\n',
  );
  const t0 = performance.now();
  const m = indexMessage(raw);
  const ms = performance.now() - t0;
  assert.equal(m.tree.children.length, 2);
  assert.ok(m.searchText.length <= 256 * 1024);
  // Generous bound for slow CI machines; quadratic behaviour would take minutes.
  assert.ok(ms < 3000, `took ${ms} ms`);
});
