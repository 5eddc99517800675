// BINARY's form of a body part (src/mime/binary-form.ts): a leaf decoded, a composite part with its
// encoded leaves decoded and relabelled, never across a boundary, and the body structure of that
// form (sizes of the converted data, declared encodings kept).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { indexMessage, resolvePart, binaryForm, binaryStructure, partStructure } from '../../../src/mime/index.ts';

const crlf = (s: string) => Buffer.from(s.replace(/\n/g, '\r\n'), 'latin1');

const MESSAGE = crlf(`From: a@example.test
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: message/rfc822

Subject: inner
Content-Type: multipart/alternative; boundary="in"

--in
Content-Type: text/plain
Content-Transfer-Encoding: base64

aGVs
bG8=
--in
Content-Type: text/plain
Content-Transfer-Encoding: quoted-printable

caf=C3=A9=
!
--in--
--outer--
`);

test('a leaf is its body decoded; a message/rfc822 part has its encoded leaves decoded and relabelled', () => {
  const tree = indexMessage(MESSAGE).tree;
  assert.equal(binaryForm(MESSAGE, resolvePart(tree, [1, 1])!).toString(), 'hello');
  const inner = binaryForm(MESSAGE, resolvePart(tree, [1])!).toString('utf8');
  assert.equal(inner, 'Subject: inner\r\nContent-Type: multipart/alternative; boundary="in"\r\n\r\n--in\r\nContent-Type: text/plain\r\n'
    + 'Content-Transfer-Encoding: binary\r\n\r\nhello\r\n--in\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\n\r\ncafé!\r\n--in--');
});

test('the structure of the converted part: its sizes, the declared encodings', () => {
  const tree = indexMessage(MESSAGE).tree;
  const part = resolvePart(tree, [1])!;
  const stored = partStructure(MESSAGE, part);
  assert.match(stored, /^\("message" "rfc822" NIL NIL NIL "7bit" \d+ /);
  assert.match(stored, /"base64" 10 2 /);
  const converted = binaryStructure(MESSAGE, part);
  assert.match(converted, /\("text" "plain" \("charset" "us-ascii"\) NIL NIL "base64" 5 0 NIL NIL NIL NIL\)/);
  assert.match(converted, /"quoted-printable" 6 0 /);
  const size = Number(/"7bit" (\d+)/.exec(converted)![1]);
  assert.equal(size, binaryForm(MESSAGE, part).length);
  assert.equal(binaryStructure(MESSAGE, resolvePart(tree, [1, 1])!), '("text" "plain" ("charset" "us-ascii") NIL NIL "base64" 5 0 NIL NIL NIL NIL)');
});

test('a leaf whose decoded content holds an enclosing boundary stays encoded', () => {
  const evil = crlf(`Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: message/rfc822

Content-Type: multipart/mixed; boundary="sep"

--sep
Content-Transfer-Encoding: quoted-printable

x
=2D-sep--
--sep--
--b--
`);
  const part = resolvePart(indexMessage(evil).tree, [1])!;
  const out = binaryForm(evil, part).toString();
  assert.match(out, /=2D-sep--/);
  assert.doesNotMatch(out, /binary/);
});
