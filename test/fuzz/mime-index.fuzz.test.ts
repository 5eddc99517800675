// Fuzz target: the MIME indexer (src/mime/index.ts), run once per message at delivery on whatever a
// sender wrote. Inputs: the stored fixtures mutated (bytes flipped, cut, duplicated, boundaries and
// header lines spliced in) and messages built from hostile pieces (deep nesting, broken encodings).
// Properties: indexMessage never throws; every part's offsets lie within the message and in order;
// search text stays within its cap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import fc from 'fast-check';
import { indexMessage, type MimePart } from '../../src/mime/index.ts';
import { SEARCH_TEXT_MAX_CHARS } from '../../src/limits.ts';
import { corpus, fuzzOptions } from './options.ts';

const FIXTURES = new URL('../fixtures/mime/', import.meta.url);
const seeds = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.eml')).map((f) => fs.readFileSync(new URL(f, FIXTURES)));

function check(raw: Buffer): void {
  const m = indexMessage(raw);
  assert.ok(m.searchText.length <= SEARCH_TEXT_MAX_CHARS);
  const walk = (p: MimePart) => {
    assert.ok(p.headerStart >= 0 && p.headerStart <= p.bodyStart && p.bodyStart <= p.end && p.end <= raw.length, JSON.stringify([p.headerStart, p.bodyStart, p.end, raw.length]));
    for (const c of p.children ?? []) walk(c);
  };
  walk(m.tree);
}

const splice = fc.constantFrom(
  '\r\n--b\r\n', '\r\n--b--\r\n', 'Content-Type: multipart/mixed; boundary=b\r\n', 'Content-Type: message/rfc822\r\n',
  'Content-Transfer-Encoding: base64\r\n', 'Content-Transfer-Encoding: quoted-printable\r\n', '=?utf-8?B?', '?=', '=\r\n', '\r\n\r\n',
  'Subject: =?x-unknown?Q?=FF?=\r\n', 'charset="utf-7"', '\u0000', '\r', '\n',
);

test('fuzz: the MIME indexer never throws on mutated messages and keeps offsets in bounds', () => {
  const mutated = fc.tuple(fc.nat(Math.max(0, seeds.length - 1)), fc.array(fc.tuple(fc.nat(), fc.oneof(splice, fc.string({ maxLength: 8 }))), { maxLength: 8 }), fc.nat())
    .map(([i, edits, cut]) => {
      let s = (seeds[i] ?? Buffer.from('Subject: x\r\n\r\nbody')).toString('latin1');
      for (const [at, text] of edits) { const p = at % (s.length + 1); s = s.slice(0, p) + text + s.slice(p); }
      if (cut % 4 === 0) s = s.slice(0, cut % (s.length + 1));
      return Buffer.from(s, 'latin1');
    });
  const nested = fc.nat(300).map((n) => Buffer.from('Content-Type: multipart/mixed; boundary=b\r\n\r\n'.repeat(1) + Array.from({ length: n }, (_, i) => `--b${i}\r\nContent-Type: multipart/mixed; boundary=b${i + 1}\r\n\r\n`).join('') + 'x\r\n'));
  fc.assert(fc.property(fc.oneof(mutated, nested, fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b))), check),
    { ...fuzzOptions(), examples: corpus('mime-index').map((b) => [b] as [Buffer]) });
});
