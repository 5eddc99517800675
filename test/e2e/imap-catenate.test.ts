// CATENATE (RFC 4469) over a real socket: APPEND built from TEXT literals and IMAP URLs (RFC 5092)
// to messages of the same user, with and without UIDVALIDITY, sections and partial ranges, and
// MULTIAPPEND; every bad URL stores nothing and is answered NO [BADURL], a missing mailbox
// [TRYCREATE] first, and the part count and assembled size stay bounded.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startImap, USER, PASS, type RunningImap } from '../fixtures/imap-server.ts';
import { rawImap, type RawImap } from '../fixtures/imap-raw.ts';
import { IMAP_MAX_CATENATE_PARTS } from '../../src/limits.ts';

let srv: RunningImap;
let c: RawImap;
let uidValidity = 0;
before(async () => {
  srv = await startImap();
  c = await rawImap(srv.imapPort);
  assert.match(await c.cmd(`LOGIN ${USER} ${PASS}`), /OK/);
  assert.match(await c.cmd('CAPABILITY'), /CATENATE/);
  await c.cmd('CREATE Src');
  await c.cmd('CREATE "Dst/Sub"');
  const multipart = 'From: a@example.test\r\nSubject: parts\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nfirst part\r\n--b\r\nContent-Type: text/plain\r\n\r\nsecond part\r\n--b--\r\n';
  const r = await c.cmd(`APPEND Src {${multipart.length}+}\r\n${multipart}`);
  uidValidity = Number(/APPENDUID (\d+) 1/.exec(r)?.[1]);
  assert.ok(uidValidity > 0, r);
});
after(async () => {
  c?.close();
  await srv?.stop();
});

const text = (s: string) => `TEXT {${Buffer.byteLength(s)}+}\r\n${s}`;

async function lastMessage(box: string): Promise<string> {
  await c.cmd(`SELECT "${box}"`);
  const out = await c.cmd('FETCH * BODY.PEEK[]');
  const m = /BODY\[\] \{(\d+)\}\r\n/.exec(out);
  assert.ok(m, out);
  const start = m.index + m[0].length;
  return Buffer.from(out, 'latin1').subarray(start, start + Number(m[1])).toString('latin1');
}

test('CATENATE joins TEXT parts with a URL section, relative and absolute, with UIDVALIDITY', async () => {
  const r = await c.cmd(`APPEND "Dst/Sub" (\\Seen) CATENATE (${text('X-New: 1\r\n')} URL "/Src;UIDVALIDITY=${uidValidity}/;UID=1/;SECTION=HEADER" ${text('own body\r\n')})`);
  assert.match(r, /OK \[APPENDUID \d+ 1\]/);
  assert.equal(await lastMessage('Dst/Sub'), 'X-New: 1\r\nFrom: a@example.test\r\nSubject: parts\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\nown body\r\n');
  const abs = await c.cmd(`APPEND "Dst/Sub" CATENATE (URL "imap://${encodeURIComponent(USER)}@mail.example.test/Src/;uid=1/;section=2" ${text('\r\n')})`);
  assert.match(abs, /OK/);
  assert.equal(await lastMessage('Dst/Sub'), 'second part\r\n');
});

test('CATENATE URL sections: HEADER.FIELDS, TEXT, the whole message, and PARTIAL', async () => {
  await c.cmd(`APPEND "Dst/Sub" CATENATE (URL "/Src/;UID=1/;SECTION=HEADER.FIELDS%20(SUBJECT)" ${text('body\r\n')})`);
  assert.equal(await lastMessage('Dst/Sub'), 'Subject: parts\r\n\r\nbody\r\n');
  await c.cmd('APPEND "Dst/Sub" CATENATE (URL "/Src/;UID=1/;PARTIAL=6.15")');
  assert.equal(await lastMessage('Dst/Sub'), 'a@example.test\r');
  await c.cmd('APPEND "Dst/Sub" CATENATE (URL "/Src/;UID=1")');
  assert.match(await lastMessage('Dst/Sub'), /^From: a@example.test\r\n[\s\S]*--b--\r\n$/);
});

test('MULTIAPPEND with CATENATE stores both messages or, with one bad URL, neither', async () => {
  const before = await c.cmd('STATUS "Dst/Sub" (MESSAGES)');
  const count = Number(/MESSAGES (\d+)/.exec(before)?.[1]);
  const ok = await c.cmd(`APPEND "Dst/Sub" CATENATE (URL "/Src/;UID=1/;SECTION=1") CATENATE (${text('Subject: b\r\n\r\nb\r\n')})`);
  assert.match(ok, /OK \[APPENDUID \d+ \d+:\d+\]/);
  const bad = await c.cmd(`APPEND "Dst/Sub" CATENATE (${text('Subject: c\r\n\r\nc\r\n')}) CATENATE (URL "/Src/;UID=99")`);
  assert.match(bad, /NO \[BADURL \/Src\/;UID=99\]/);
  assert.match(await c.cmd('STATUS "Dst/Sub" (MESSAGES)'), new RegExp(`MESSAGES ${count + 2}\\)`));
});

test('bad URLs are NO [BADURL]; a missing mailbox is [TRYCREATE] first; limits hold', async () => {
  for (const url of [
    `/Src;UIDVALIDITY=${uidValidity + 1}/;UID=1`, // another UIDVALIDITY
    '/Src/;UID=1/;SECTION=7', // no such part
    '/Nowhere/;UID=1',
    '/Src', // not a message
    '/Src/;UID=1/;URLAUTH=anonymous:internal:abc', // URLAUTH is not offered
    'imap://other@mail.example.test/Src/;UID=1', // another user
    'imap://elsewhere.example/Src/;UID=1', // another server
    '/Src/;UID=1/;SECTION=1]x', // no "]" may reach the response code
  ]) {
    const r = await c.cmd(`APPEND "Dst/Sub" CATENATE (URL "${url}")`);
    assert.match(r, /^t\d+ NO \[BADURL [^\]\r\n]*\] /m, url);
  }
  assert.match(await c.cmd('APPEND Nowhere CATENATE (URL "/Src;UIDVALIDITY=1/;UID=9")'), /NO \[TRYCREATE\]/);
  assert.match(await c.cmd('APPEND "Dst/Sub" CATENATE ()'), /BAD/);
  assert.match(await c.cmd('APPEND "Dst/Sub" CATENATE (TEXT "quoted")'), /BAD/);
  const many = Array.from({ length: IMAP_MAX_CATENATE_PARTS + 1 }, () => 'URL "/Src/;UID=1/;SECTION=1"').join(' ');
  assert.match(await c.cmd(`APPEND "Dst/Sub" CATENATE (${many})`), /BAD \[LIMIT\]/);
  assert.match(await c.cmd('NOOP'), /OK/);
});
