// ENVELOPE and BODYSTRUCTURE of real-world MIME shapes, each expected string
// checked by hand against the RFC 3501 §9 grammar (envelope, body-type-*).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { indexMessage } from '../../../src/mime/index.ts';
import { fixture } from './fixtures.ts';

const self = (addr: string): string => `(${addr}) (${addr}) (${addr})`;

test('plain text: quoted-string name with escapes, comment as name, comment kept in date', () => {
  const m = indexMessage(fixture('plain.eml'));
  const alice = '("Alice Example" NIL "alice" "example.org")';
  assert.equal(
    m.envelope,
    `("Mon, 7 Feb 1994 21:52:25 -0800 (PST)" "Lunch?" ${self(alice)} ((NIL NIL "bob" "example.com")) ` +
      '(("Carol \\"CJ\\" Jones" NIL "carol" "example.net")("Dave D" NIL "dave" "example.net")) NIL NIL "<B27397-0100000@example.org>")',
  );
  // Type names are lowercased by the parser; parameter values keep their case.
  assert.equal(m.bodyStructure, '("text" "plain" ("charset" "US-ASCII") NIL NIL "7bit" 25 2 NIL NIL NIL NIL)');
  assert.equal(m.body, '("text" "plain" ("charset" "US-ASCII") NIL NIL "7bit" 25 2)');
  assert.equal(m.sentDate, Date.UTC(1994, 1, 8, 5, 52, 25));
  assert.equal(m.messageId, '<B27397-0100000@example.org>');
  assert.match(m.searchText, /Lunch at noon\?/);
});

test('multipart/alternative: raw encoded-word subject, in-reply-to, base64 HTML searchable', () => {
  const m = indexMessage(fixture('alternative.eml'));
  const news = '("News" NIL "news" "example.com")';
  assert.equal(
    m.envelope,
    `("Sat, 01 Mar 2025 09:00:00 +0000" "=?UTF-8?Q?Caf=C3=A9_news?=" ${self(news)} (("Reader" NIL "reader" "example.net")) NIL NIL "<prev@example.com>" "<alt-1@example.com>")`,
  );
  assert.equal(
    m.bodyStructure,
    '(("text" "plain" ("charset" "utf-8") NIL NIL "quoted-printable" 24 1 NIL NIL NIL NIL)' +
      '("text" "html" ("charset" "utf-8") NIL NIL "base64" 94 2 NIL NIL NIL NIL)' +
      ' "alternative" ("boundary" "=_alt_42") NIL NIL NIL)',
  );
  assert.equal(
    m.body,
    '(("text" "plain" ("charset" "utf-8") NIL NIL "quoted-printable" 24 1)("text" "html" ("charset" "utf-8") NIL NIL "base64" 94 2) "alternative")',
  );
  assert.equal(m.subject, 'Café news');
  assert.equal(m.searchText, 'Café opens at nine.\nCafé opens at nine&ten');
  assert.match(m.headerText, /^subject: Café news$/m);
});

test('multipart/related with inline image: content-id, disposition without params', () => {
  const m = indexMessage(fixture('related.eml'));
  assert.equal(
    m.bodyStructure,
    '(("text" "html" ("charset" "us-ascii") NIL NIL "7bit" 58 1 NIL NIL NIL NIL)' +
      '("image" "png" NIL "<logo@example.com>" NIL "base64" 12 NIL ("inline" NIL) NIL NIL)' +
      ' "related" ("boundary" "REL" "type" "text/html") NIL NIL NIL)',
  );
  // The HTML part has only markup, so there is no searchable text.
  assert.equal(m.searchText, '');
});

test('attachment with RFC 2231 continuations and charsets, md5, language, location', () => {
  const m = indexMessage(fixture('attachment-2231.eml'));
  const andre = '("=?ISO-8859-1?Q?Andr=E9?= Pirard" NIL "PIRARD" "vm1.ulg.ac.be")';
  assert.equal(
    m.envelope,
    `("Mon, 3 Mar 2025 12:00:00 +0000" "Report" ${self(andre)} ((NIL NIL "x" "example.com")) NIL NIL NIL "<att@example.com>")`,
  );
  // RFC 2231 values are decoded in the tree ("Rapport été.pdf") and sent as an
  // RFC 2047 word to keep the structure 7-bit. libmime puts assembled RFC 2231
  // params after plain ones, hence "size" before "filename".
  assert.equal(
    m.bodyStructure,
    '(("text" "plain" ("charset" "utf-8") NIL NIL "8bit" 18 1 NIL NIL NIL NIL)' +
      '("application" "pdf" ("name" "=?UTF-8?B?UmFwcG9ydCDDqXTDqS5wZGY=?=") NIL "The report" "base64" 4 "Q2hlY2sgSW50ZWdyaXR5IQ=="' +
      ' ("attachment" ("size" "3" "filename" "=?UTF-8?B?UmFwcG9ydCDDqXTDqS5wZGY=?=")) ("fr") "http://example.com/r.pdf")' +
      ' "mixed" ("boundary" "b1") NIL ("en" "fr") NIL)',
  );
  const pdf = m.tree.children[1];
  assert.deepEqual(pdf.params, [['name', 'Rapport été.pdf']]);
  assert.deepEqual(pdf.disposition, { type: 'attachment', params: [['size', '3'], ['filename', 'Rapport été.pdf']] });
  assert.equal(m.from, 'André Pirard <PIRARD@vm1.ulg.ac.be>');
  assert.equal(m.searchText, 'Voilà le rapport.');
});

test('nested message/rfc822: envelope with group, nested multipart, lines of the whole message', () => {
  const raw = fixture('nested-rfc822.eml');
  const m = indexMessage(raw);
  const planner = '("Planner" NIL "plan" "example.org")';
  const innerEnvelope =
    `("Mon, 3 Mar 2025 17:00:00 +0000" "Plans" ${self(planner)} ` +
    '((NIL NIL "team" NIL)(NIL NIL "a" "example.org")(NIL NIL "b" "example.org")(NIL NIL NIL NIL)) NIL NIL NIL "<plans@example.org>")';
  const innerBody =
    '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 7 1 NIL NIL NIL NIL)' +
    '("text" "html" ("charset" "us-ascii") NIL NIL "7bit" 14 1 NIL NIL NIL NIL) "alternative" ("boundary" "inner") NIL NIL NIL)';
  // 17 lines: 7 header fields, the blank line and 9 lines of the inner multipart;
  // the line break before "--outer--" belongs to the delimiter (RFC 2046 §5.1.1).
  assert.equal(
    m.bodyStructure,
    '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 10 1 NIL NIL NIL NIL)' +
      `("message" "rfc822" NIL NIL NIL "7bit" 346 ${innerEnvelope} ${innerBody} 17 NIL ("inline" NIL) NIL NIL)` +
      ' "mixed" ("boundary" "outer") NIL NIL NIL)',
  );
  const msg = m.tree.children[1];
  assert.equal(msg.end - msg.bodyStart, 346);
  assert.ok(raw.subarray(msg.bodyStart, msg.end).toString().endsWith('--inner--\r\n'));
  assert.equal(m.searchText, 'See below.\nPlan A.\nPlan A.');
});

test('multipart/digest: a part without Content-Type defaults to message/rfc822 (RFC 2046 §5.1.5)', () => {
  const m = indexMessage(fixture('digest.eml'));
  const one = '(NIL NIL "one" "example.com")';
  assert.equal(
    m.bodyStructure,
    `(("message" "rfc822" NIL NIL NIL "7bit" 45 (NIL "First" ${self(one)} NIL NIL NIL NIL NIL)` +
      ' ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 4 1 NIL NIL NIL NIL) 4 NIL NIL NIL NIL)' +
      '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 14 1 NIL NIL NIL NIL) "digest" ("boundary" "d") NIL NIL NIL)',
  );
});

test('missing final boundary: the last part runs to the end of the message', () => {
  const m = indexMessage(fixture('missing-final-boundary.eml'));
  assert.equal(
    m.bodyStructure,
    '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 5 1 NIL NIL NIL NIL)' +
      '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 22 1 NIL NIL NIL NIL) "mixed" ("boundary" "zz") NIL NIL NIL)',
  );
  assert.equal(m.envelope, `(NIL "cut" ${self('(NIL NIL "a" "example.com")')} NIL NIL NIL NIL NIL)`);
});

test('boundary never appears: one opaque part, since body-type-mpart needs at least one body', () => {
  const m = indexMessage(fixture('boundary-never.eml'));
  assert.equal(m.bodyStructure, '("application" "octet-stream" NIL NIL NIL "7bit" 39 NIL NIL NIL NIL)');
  assert.equal(m.body, '("application" "octet-stream" NIL NIL NIL "7bit" 39)');
});

test('no header at all: every envelope field NIL, the whole message is a text/plain body', () => {
  const raw = fixture('no-headers.eml');
  const m = indexMessage(raw);
  assert.equal(m.envelope, '(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)');
  assert.equal(m.bodyStructure, `("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" ${raw.length} 2 NIL NIL NIL NIL)`);
  assert.equal(m.tree.bodyStart, 0);
  assert.equal(m.headerText, '');
});

test('header without blank line: the first non-field line starts the body', () => {
  const raw = fixture('header-no-blank.eml');
  const m = indexMessage(raw);
  assert.equal(raw.subarray(m.tree.bodyStart).toString(), 'This line starts the body.\r\n');
  assert.equal(m.bodyStructure, '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 28 1 NIL NIL NIL NIL)');
  assert.equal(m.subject, 'forgot the blank line');
});

test('unknown charset: kept in the structure, body text read best-effort', () => {
  const m = indexMessage(fixture('unknown-charset.eml'));
  assert.equal(m.bodyStructure, '("text" "plain" ("charset" "x-klingon") NIL NIL "7bit" 14 1 NIL NIL NIL NIL)');
  assert.equal(m.envelope, `(NIL "=?x-klingon?Q?qapla?=" ${self('(NIL NIL "a" "example.com")')} NIL NIL NIL NIL NIL)`);
  assert.match(m.searchText, /tlhIngan Hol/);
});

test('8-bit header values go out as literals counted in UTF-8 bytes', () => {
  const m = indexMessage(fixture('eight-bit-headers.eml'));
  // "Grüße aus Köln" is 14 characters but 17 bytes in UTF-8.
  const jg = '({13}\r\nJürgen Groß NIL "jg" "example.de")';
  assert.equal(
    m.envelope,
    `(NIL {17}\r\nGrüße aus Köln ${self(jg)} (({5}\r\nÜnal NIL "u" "example.tr")) NIL NIL NIL NIL)`,
  );
  assert.equal(m.subject, 'Grüße aus Köln');
  assert.equal(m.searchText, 'Grüße!\r\n');
});

test('bare LF line endings are tolerated', () => {
  const raw = Buffer.from('Subject: lf\nContent-Type: multipart/mixed; boundary=x\n\n--x\n\nhello\n--x--\n');
  const m = indexMessage(raw);
  assert.equal(m.bodyStructure, '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 5 1 NIL NIL NIL NIL) "mixed" ("boundary" "x") NIL NIL NIL)');
  assert.equal(raw.subarray(m.tree.children[0].bodyStart, m.tree.children[0].end).toString(), 'hello');
});

test('address edge cases: route, missing domain, empty group, unterminated angle', () => {
  const raw = Buffer.from(
    'From: <@relay.example,@r2.example:joe@example.com>\r\nTo: nobody, undisclosed-recipients:;\r\nCc: Broken <x@y.z\r\n\r\n',
  );
  const m = indexMessage(raw);
  // A mailbox without a domain gets host "" because NIL host means group syntax.
  assert.equal(
    m.envelope,
    `(NIL NIL ${self('(NIL "@relay.example,@r2.example" "joe" "example.com")')} ` +
      '((NIL NIL "nobody" "")(NIL NIL "undisclosed-recipients" NIL)(NIL NIL NIL NIL)) (("Broken" NIL "x" "y.z")) NIL NIL NIL)',
  );
});

test('Sender and Reply-To present are used instead of From', () => {
  const m = indexMessage(Buffer.from('From: a@x.y\r\nSender: s@x.y\r\nReply-To: r@x.y\r\n\r\nbody'));
  assert.equal(
    m.envelope,
    '(NIL NIL ((NIL NIL "a" "x.y")) ((NIL NIL "s" "x.y")) ((NIL NIL "r" "x.y")) NIL NIL NIL NIL NIL)',
  );
});
