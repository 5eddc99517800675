// PREVIEW (RFC 8970) over a real socket: the first text part (text/plain before text/html, markup
// dropped, attachments skipped), transfer-decoded and charset-converted, whitespace folded, at most
// 256 characters, non-ASCII as a literal; LAZY accepted, other modifiers BAD; FETCH PREVIEW sets no \Seen.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startImap, USER, PASS, type RunningImap } from '../fixtures/imap-server.ts';
import { rawImap, type RawImap } from '../fixtures/imap-raw.ts';
import { IMAP_PREVIEW_MAX_CHARS } from '../../src/limits.ts';

let srv: RunningImap;
let c: RawImap;
const append = (m: string) => c.cmd(`APPEND Prev {${Buffer.byteLength(m)}+}\r\n${m}`);

before(async () => {
  srv = await startImap();
  c = await rawImap(srv.imapPort);
  await c.cmd(`LOGIN ${USER} ${PASS}`);
  assert.match(await c.cmd('CAPABILITY'), / PREVIEW/);
  await c.cmd('CREATE Prev');
  await append('Subject: plain\r\n\r\nHello   there,\r\n\r\nsee you.\r\n');
  await append('Subject: alt\r\nContent-Type: multipart/mixed; boundary=m\r\n\r\n--m\r\nContent-Type: multipart/alternative; boundary=a\r\n\r\n--a\r\n'
    + 'Content-Type: text/html; charset=utf-8\r\n\r\n<p>HTML <b>bold</b></p>\r\n--a\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'
    + 'Caf=E9 cr=E8me\r\n--a--\r\n--m\r\nContent-Type: text/plain\r\nContent-Disposition: attachment\r\n\r\nattached\r\n--m--\r\n');
  await append(`Subject: long\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.from('word '.repeat(3000)).toString('base64').replace(/.{76}/g, '$&\r\n')}\r\n`);
  await append('Subject: html only\r\nContent-Type: text/html\r\n\r\n<html><head><style>p{}</style></head><body>Only &amp; html</body></html>\r\n');
  await append('Subject: none\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n');
  await c.cmd('SELECT Prev');
});
after(async () => {
  c?.close();
  await srv?.stop();
});

test('FETCH PREVIEW: the first text part, decoded and folded, bounded, literal when not ASCII', async () => {
  const out = await c.cmd('FETCH 1:5 (PREVIEW (LAZY) FLAGS)');
  assert.match(out, /\* 1 FETCH \(PREVIEW "Hello there, see you\." FLAGS \(\\Recent\)\)/);
  const lit = /\* 2 FETCH \(PREVIEW \{(\d+)\}\r\n/.exec(out);
  assert.ok(lit, out);
  assert.equal(Buffer.from(out, 'latin1').subarray(Buffer.byteLength(out.slice(0, lit.index + lit[0].length), 'latin1')).subarray(0, Number(lit[1])).toString('utf8'), 'Café crème');
  const long = /\* 3 FETCH \(PREVIEW "([^"]*)"/.exec(out)![1]!;
  assert.ok(long.length <= IMAP_PREVIEW_MAX_CHARS && long.length > 200 && /^(word )+[word]*$/.test(long), long);
  assert.match(out, /\* 4 FETCH \(PREVIEW "Only & html"/);
  assert.match(out, /\* 5 FETCH \(PREVIEW "" /);
  assert.doesNotMatch(await c.cmd('FETCH 1 FLAGS'), /\\Seen/, 'PREVIEW does not set \\Seen');
  assert.match(await c.cmd('FETCH 1 (PREVIEW (EAGER))'), /BAD/);
  assert.match(await c.cmd('UID FETCH 1 PREVIEW'), /\* 1 FETCH \(UID 1 PREVIEW "Hello there, see you\."\)/);
});
