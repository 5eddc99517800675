// Replays what real clients send (see CLIENTS.md in ../shared beside the repository): Thunderbird's first sync and daily
// use, mutt's moves and keywords, mbsync's pipelined LITERAL+ appends.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeHarness, TestClient, message, PASSWORD, type Harness } from '../fixtures/imap-harness.ts';
import { deliver } from '../../src/delivery/deliver.ts';

let h: Harness;
before(async () => {
  h = await makeHarness();
  for (let i = 1; i <= 6; i++) await deliver(h.store, { raw: message(`TB ${i}`), recipients: [{ accountId: h.accountId }] });
});
after(() => h.close());

const plain = () => Buffer.from(`\0user@example.test\0${PASSWORD}`).toString('base64');

async function tagged(c: TestClient, tag: string, line: string): Promise<string> {
  c.send(`${tag} ${line}\r\n`);
  return c.waitFor(new RegExp(`(^|\\n)${tag} (OK|NO|BAD).*\\r\\n`));
}

test('Thunderbird first sync and daily use', async () => {
  const c = new TestClient(h.services);
  await c.waitFor(/^\* OK/);
  c.send('1 authenticate PLAIN\r\n');
  await c.waitFor(/^\+ \r\n/);
  c.send(plain() + '\r\n');
  assert.match(await c.waitFor(/1 OK.*\r\n/), /1 OK \[CAPABILITY IMAP4rev1 .*IDLE/);
  assert.match(await tagged(c, '2', 'namespace'), /NAMESPACE \(\("" "\/"\)\)/);
  assert.match(await tagged(c, '3', 'ID ("name" "Thunderbird" "version" "153.7.0")'), /\* ID \(/);
  const subs = await tagged(c, '4', 'list (subscribed) "" "*" return (special-use)');
  for (const f of ['Sent', 'Drafts', 'Trash', 'Junk', 'Archive']) assert.match(subs, new RegExp(`\\\\Subscribed \\\\${f}\\) "/" "${f}"`));
  assert.match(await tagged(c, '5', 'list "" "INBOX"'), /\* LIST \(\\HasNoChildren\) "\/" "INBOX"/);
  assert.match(await tagged(c, '6', 'list "" "Trash"'), /\\Trash\) "\/" "Trash"/);
  const sel = await tagged(c, '7', 'select "INBOX"');
  assert.match(sel, /\* 6 EXISTS/);
  assert.match(sel, /HIGHESTMODSEQ \d+/);
  const flags = await tagged(c, '8', 'UID fetch 1:* (FLAGS)');
  assert.equal(flags.match(/FETCH \(UID \d+ FLAGS/g)?.length, 6);
  const headers = await tagged(c, '9', 'UID fetch 1:6 (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (From To Cc Bcc Subject Date Message-ID Priority X-Priority References Newsgroups In-Reply-To Content-Type Reply-To Received)])');
  assert.match(headers, /\* 1 FETCH \(UID 1 RFC822\.SIZE \d+ FLAGS \([^)]*\) BODY\[HEADER\.FIELDS \(From To Cc Bcc Subject Date Message-ID Priority X-Priority References Newsgroups In-Reply-To Content-Type Reply-To Received\)\] \{\d+\}\r\nFrom: Alice <alice@example\.test>\r\nTo: user@example\.test\r\nSubject: TB 1\r\nDate: Mon, 7 Feb 1994 21:52:25 -0800\r\nMessage-ID: <TB1@example\.test>\r\n\r\n\)/);
  const bodies = await tagged(c, '10', 'UID fetch 1:6 (UID RFC822.SIZE BODY.PEEK[])');
  assert.equal(bodies.match(/BODY\[\] \{\d+\}/g)?.length, 6);
  assert.doesNotMatch(bodies, /\\Seen/, 'PEEK does not set \\Seen');
  c.send('11 IDLE\r\n');
  await c.waitFor(/^\+ /);
  await deliver(h.store, { raw: message('TB 7'), recipients: [{ accountId: h.accountId }] });
  assert.match(await c.waitFor(/EXISTS\r\n/), /\* 7 EXISTS/);
  c.send('DONE\r\n');
  await c.waitFor(/11 OK.*\r\n/);
  await tagged(c, '12', 'noop');
  assert.match(await tagged(c, '13', 'UID fetch 7:* (FLAGS)'), /\* 7 FETCH \(UID 7 FLAGS/);
  // Thunderbird just closes the connection.
  c.close();
});

test('mutt: ENABLE UTF8=ACCEPT, LIST "" "", keywords, UID COPY + STORE \\Deleted + EXPUNGE', async () => {
  const c = new TestClient(h.services);
  await c.login();
  assert.match(await c.command('ENABLE UTF8=ACCEPT'), /\* ENABLED UTF8=ACCEPT/);
  assert.match(await c.command('LIST "" ""'), /\* LIST \(\\Noselect\) "\/" ""/);
  await c.command('CREATE "Entwürfe"');
  assert.match(await c.command('LIST "" "Entw*"'), /"Entwürfe"/);
  const sel = await c.command('SELECT INBOX');
  assert.match(sel, /PERMANENTFLAGS \([^)]*\\\*\)/);
  await c.command('UID STORE 1 +FLAGS.SILENT (Old)');
  assert.match(await c.command('UID FETCH 1 (FLAGS)'), /FLAGS \([^)]*Old/);
  assert.match(await c.command('UID COPY 1 "Entwürfe"'), /COPYUID \d+ 1 1/);
  await c.command('UID STORE 1 +FLAGS.SILENT (\\Deleted)');
  assert.match(await c.command('EXPUNGE'), /\* 1 EXPUNGE/);
  assert.match(await c.command('SELECT "Entwürfe"'), /FLAGS \([^)]*Old/);
  c.close();
});

test('mbsync: SASL-IR, pipelined commands, LITERAL+ APPEND with APPENDUID, CLOSE, LOGOUT', async () => {
  const c = new TestClient(h.services);
  await c.waitFor(/^\* OK/);
  await c.command(`AUTHENTICATE PLAIN ${plain()}`);
  const m1 = message('mbsync 1');
  const m2 = message('mbsync 2');
  // Ten commands in one write, as mbsync pipelines them.
  c.send([
    'p1 NAMESPACE', 'p2 LIST "" "*"', 'p3 SELECT Archive', 'p4 UID FETCH 1:* (UID FLAGS)',
    `p5 APPEND Archive (\\Seen) {${m1.length}+}\r\n${m1}`, `p6 APPEND Archive (\\Flagged) {${m2.length}+}\r\n${m2}`,
    'p7 UID FETCH 1:* (UID FLAGS)', 'p8 UID STORE 1 +FLAGS.SILENT (\\Deleted)', 'p9 CHECK', 'p10 CLOSE',
  ].join('\r\n') + '\r\n');
  const out = await c.waitFor(/p10 (OK|NO|BAD).*\r\n/);
  for (let i = 1; i <= 10; i++) assert.match(out, new RegExp(`p${i} OK`), `p${i}`);
  assert.match(out, /p5 OK \[APPENDUID \d+ (\d+)\]/);
  assert.ok(out.indexOf('p1 OK') < out.indexOf('p10 OK'), 'replies come in order');
  const st = await c.command('STATUS Archive (MESSAGES)');
  assert.match(st, /MESSAGES 1\)/, 'CLOSE expunged the \\Deleted message');
  c.send('z LOGOUT\r\n');
  assert.match(await c.waitFor(/z OK.*\r\n/), /\* BYE[\s\S]*z OK/);
});
