// CONTEXT=SEARCH and CONTEXT=SORT (RFC 5267 §4) over real sockets: PARTIAL results, RETURN (UPDATE)
// contexts kept up to date by this session's and another session's changes (ADDTO after EXISTS,
// REMOVEFROM before EXPUNGE, sorted positions), CANCELUPDATE, tag reuse, and the context limit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startImap, USER, PASS, type RunningImap } from '../fixtures/imap-server.ts';
import { rawImap, type RawImap } from '../fixtures/imap-raw.ts';
import { IMAP_MAX_UPDATE_CONTEXTS } from '../../src/limits.ts';

let srv: RunningImap;
let a: RawImap;
let b: RawImap;

const message = (subject: string) => `From: x@example.test\r\nSubject: ${subject}\r\n\r\nbody\r\n`;
const append = (c: RawImap, box: string, subject: string, flags = '') => {
  const m = message(subject);
  return c.cmd(`APPEND ${box} ${flags ? `(${flags}) ` : ''}{${m.length}+}\r\n${m}`);
};

before(async () => {
  srv = await startImap();
  a = await rawImap(srv.imapPort);
  b = await rawImap(srv.imapPort);
  for (const c of [a, b]) assert.match(await c.cmd(`LOGIN ${USER} ${PASS}`), /OK/);
  assert.match(await a.cmd('CAPABILITY'), /CONTEXT=SEARCH CONTEXT=SORT/);
});
after(async () => {
  a?.close();
  b?.close();
  await srv?.stop();
});

test('PARTIAL: positions of the result, reversed ranges, NIL past the end, BAD forms', async () => {
  await a.cmd('CREATE Part');
  for (const s of ['d', 'b', 'e', 'a', 'c']) await append(a, 'Part', s);
  await a.cmd('SELECT Part');
  assert.match(await a.cmd('SEARCH RETURN (PARTIAL 4:2) ALL'), /\* ESEARCH \(TAG "t\d+"\) PARTIAL \(2:4 2:4\)\r\n/);
  assert.match(await a.cmd('SEARCH RETURN (PARTIAL 5:9 COUNT) ALL'), /PARTIAL \(5:9 5\) COUNT 5\r\n/);
  assert.match(await a.cmd('UID SEARCH RETURN (PARTIAL 6:6) ALL'), /UID PARTIAL \(6:6 NIL\)\r\n/);
  // Sorted by subject a b c d e = sequence 4 2 5 1 3.
  assert.match(await a.cmd('SORT RETURN (PARTIAL 2:4) (SUBJECT) UTF-8 ALL'), /PARTIAL \(2:4 2,5,1\)\r\n/);
  for (const bad of ['SEARCH RETURN (PARTIAL 1) ALL', 'SEARCH RETURN (PARTIAL 1:*) ALL', 'SEARCH RETURN (PARTIAL 0:3) ALL',
    'SEARCH RETURN (PARTIAL 1:2 ALL) ALL', 'SORT RETURN (PARTIAL x:2) (DATE) UTF-8 ALL', 'SEARCH RETURN (PARTIAL 1:2 PARTIAL 3:4) ALL']) {
    assert.match(await a.cmd(bad), /^t\d+ BAD /m, bad);
  }
});

test('SEARCH RETURN (UPDATE): ADDTO and REMOVEFROM for this session and another, CANCELUPDATE ends them', async () => {
  await a.cmd('CREATE Live');
  for (const s of ['one', 'two', 'three']) await append(a, 'Live', s);
  await a.cmd('SELECT Live');
  await b.cmd('SELECT Live');
  const first = await a.cmd('UID SEARCH RETURN (UPDATE CONTEXT ALL) FLAGGED');
  const tag = /^(t\d+) OK/m.exec(first)![1]!;
  assert.doesNotMatch(first, / ALL /, 'nothing is flagged yet');
  assert.match(await a.cmd('UID STORE 1,3 +FLAGS (\\Flagged)'), new RegExp(`\\* ESEARCH \\(TAG "${tag}"\\) UID ADDTO \\(0 1,3\\)`));
  await b.cmd('UID STORE 3 -FLAGS (\\Flagged)');
  assert.match(await a.cmd('NOOP'), new RegExp(`\\* ESEARCH \\(TAG "${tag}"\\) UID REMOVEFROM \\(0 3\\)`));
  await append(b, 'Live', 'four', '\\Flagged');
  const news = await a.cmd('NOOP');
  assert.match(news, /\* 4 EXISTS\r\n[\s\S]*UID ADDTO \(0 4\)/, 'ADDTO comes after EXISTS');
  await b.cmd('UID STORE 1 +FLAGS (\\Deleted)');
  await b.cmd('EXPUNGE');
  const gone = await a.cmd('NOOP');
  assert.match(gone, /UID REMOVEFROM \(0 1\)\r\n\* 1 EXPUNGE/, 'REMOVEFROM comes before EXPUNGE');
  assert.match(await a.cmd(`CANCELUPDATE "${tag}"`), /OK/);
  assert.match(await a.cmd('CANCELUPDATE "nosuch"'), /BAD/);
  await b.cmd('UID STORE 2 +FLAGS (\\Flagged)');
  assert.doesNotMatch(await a.cmd('NOOP'), new RegExp(`TAG "${tag}"`), 'a cancelled context is silent');
});

test('SORT RETURN (UPDATE): positions in sort order, one pair per message', async () => {
  await a.cmd('CREATE Sorted');
  for (const s of ['b', 'd', 'f']) await append(a, 'Sorted', s);
  await a.cmd('SELECT Sorted');
  await b.cmd('SELECT Sorted');
  const first = await a.cmd('SORT RETURN (UPDATE ALL) (SUBJECT) UTF-8 UNSEEN');
  const tag = /^(t\d+) OK/m.exec(first)![1]!;
  assert.match(first, /ALL 1:3\r\n/);
  await append(b, 'Sorted', 'c');
  assert.match(await a.cmd('NOOP'), new RegExp(`\\* 4 EXISTS[\\s\\S]*\\* ESEARCH \\(TAG "${tag}"\\) ADDTO \\(2 4\\)`));
  // Order is now b c d f = seq 1 4 2 3; seeing c and f removes positions 2 and then 3 (after the shift).
  assert.match(await b.cmd('STORE 3:4 +FLAGS (\\Seen)'), /OK/);
  assert.match(await a.cmd('NOOP'), new RegExp(`TAG "${tag}"\\) REMOVEFROM \\(2 4 3 3\\)`));
  await b.cmd('STORE 3 -FLAGS (\\Seen)');
  assert.match(await a.cmd('NOOP'), new RegExp(`TAG "${tag}"\\) ADDTO \\(3 3\\)`));
});

test('tag reuse is BAD; beyond IMAP_MAX_UPDATE_CONTEXTS the result comes with NO [NOUPDATE]', async () => {
  await a.cmd('SELECT Part');
  const live: string[] = [];
  for (let i = 0; i < IMAP_MAX_UPDATE_CONTEXTS; i++) {
    const r = await a.cmd('SEARCH RETURN (UPDATE COUNT) ALL');
    assert.doesNotMatch(r, /NOUPDATE/);
    live.push(/^(t\d+) OK/m.exec(r)![1]!);
  }
  const over = await a.cmd('SEARCH RETURN (UPDATE COUNT) ALL');
  assert.match(over, /\* ESEARCH \(TAG "(t\d+)"\) COUNT 5\r\n\* NO \[NOUPDATE "\1"\]/);
  assert.match(await a.cmd(`CANCELUPDATE ${live.map((t) => `"${t}"`).join(' ')}`), /OK/);
  // Selecting again ends every context too.
  await a.cmd('SELECT Part');
  assert.match(await a.cmd(`CANCELUPDATE "${live[0]}"`), /BAD/);
});

test('UPDATE under the tag of a live context is BAD (RFC 5267 §4.3)', async () => {
  const sock = net.connect(srv.imapPort, '127.0.0.1');
  let got = '';
  sock.on('data', (d) => { got += d.toString('latin1'); });
  const until = async (re: RegExp) => {
    for (let i = 0; i < 200 && !re.test(got); i++) await new Promise((r) => setTimeout(r, 25));
    assert.match(got, re);
  };
  await until(/^\* OK/);
  sock.write(`l LOGIN ${USER} ${PASS}\r\ns SELECT Part\r\n`);
  await until(/^s OK/m);
  sock.write('same SEARCH RETURN (UPDATE) ALL\r\n');
  await until(/^same OK/m);
  sock.write('same SEARCH RETURN (UPDATE) ALL\r\nz NOOP\r\n');
  await until(/^z OK/m);
  assert.match(got, /^same BAD Tag reuse/m);
  sock.destroy();
});
