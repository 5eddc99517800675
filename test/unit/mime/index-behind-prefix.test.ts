// indexBehindPrefix (src/mime/index.ts) against the parse it saves: for the prefixes delivery writes
// and for messages of every shape (the MIME fixtures, headerless, folded first line, no empty line,
// generated ones), the index of prefix + raw derived from raw's index equals indexMessage(prefix + raw).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { indexBehindPrefix, indexMessage } from '../../../src/mime/index.ts';

const FIXTURES = path.join(import.meta.dirname, '../../fixtures/mime');

const PREFIXES = [
  // Port 25: Authentication-Results, the spam verdict, Received.
  'Authentication-Results: mx.postern.test;\r\n\tspf=pass smtp.mailfrom=a@good.test;\r\n\tdkim=none\r\n' +
    'X-Spam-Score: 1.5 (inbox)\r\nX-Spam-Reasons: classifier +1.5\r\n' +
    'Received: from client.good.test ([192.0.2.1])\r\n\tby mx.postern.test (Postern) with ESMTP id 0123456789abcdef\r\n\tfor <bob@postern.test>; Tue, 1 Dec 2026 19:00:00 +0000\r\n',
  // Submission: a DKIM signature and Received.
  'DKIM-Signature: v=1; a=rsa-sha256; d=postern.test; s=s1;\r\n\tbh=abc; b=def\r\nReceived: from laptop by mx.postern.test with ESMTPSA id 1; Tue, 1 Dec 2026 19:00:00 +0000\r\n',
  // Not trace fields, not CRLF-ended, a folded start: parsed whole, still equal.
  'Subject: from the prefix\r\n',
  'Received: unterminated',
  ' folded: start\r\n',
  '=?utf-8?q?x?=: odd\r\n',
];

const MESSAGES = [
  ...fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.eml')).map((f) => fs.readFileSync(path.join(FIXTURES, f))),
  Buffer.from(''),
  Buffer.from('hello, no header\r\n'),
  Buffer.from('\r\nbody after an empty header\r\n'),
  Buffer.from(' folded first line\r\nSubject: x\r\n\r\nbody\r\n'),
  Buffer.from('Subject: no empty line\r\nnot a field\r\nFrom: a@b\r\n'),
  Buffer.from('Subject: no line break'),
  Buffer.from('Content-Type: multipart/mixed; boundary=b\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\none\r\n--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\ninner body\r\n--b--\r\n'),
  Buffer.from('Received: a\r\nDate: Tue, 1 Dec 2026 19:00:00 +0000\r\nFrom: "A" <a@b.test>\r\nTo: c@d.test\r\nMessage-ID: <m@b>\r\n\r\nbody\r\n'),
];

function same(raw: Buffer, prefix: Buffer): void {
  const derived = indexBehindPrefix(indexMessage(raw), raw, prefix);
  assert.deepEqual(derived, indexMessage(Buffer.concat([prefix, raw])), `prefix ${JSON.stringify(prefix.toString().slice(0, 30))} on ${JSON.stringify(raw.toString().slice(0, 40))}`);
}

test('for every prefix and message shape, the derived index is the index of prefix + raw', () => {
  for (const prefix of PREFIXES) for (const raw of MESSAGES) same(raw, Buffer.from(prefix));
});

test('an empty prefix gives raw\'s own index', () => {
  const raw = MESSAGES[0]!;
  const indexed = indexMessage(raw);
  assert.equal(indexBehindPrefix(indexed, raw, Buffer.alloc(0)), indexed);
});

const line = fc.oneof(
  fc.constantFrom('Subject: s', 'From: a@b.test', 'To: <c@d.test>', 'Date: Tue, 1 Dec 2026 19:00:00 +0000', 'Content-Type: multipart/alternative; boundary=zz',
    'Content-Type: text/html', 'Content-Transfer-Encoding: base64', '--zz', '--zz--', ' folded', '', 'no colon', 'Received: x', 'aGVsbG8=', '<b>x</b>'),
  fc.string({ maxLength: 20 }),
);
const message = fc.tuple(fc.array(line, { maxLength: 14 }), fc.constantFrom('\r\n', '\n')).map(([lines, eol]) => Buffer.from(lines.join(eol) + eol, 'latin1'));

test('generated messages: the derived index equals a whole parse', () => {
  fc.assert(fc.property(message, fc.constantFrom(...PREFIXES.slice(0, 2)), (raw, prefix) => same(raw, Buffer.from(prefix))),
    { numRuns: Number(process.env.POSTERN_FUZZ_RUNS ?? 200) });
});
