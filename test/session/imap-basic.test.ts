import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeHarness, TestClient, message, type Harness } from '../fixtures/imap-harness.ts';
import { deliver } from '../../src/delivery/deliver.ts';

let h: Harness;
before(async () => {
  h = await makeHarness();
  for (let i = 1; i <= 3; i++) await deliver(h.store, { raw: message(`Test ${i}`), recipients: [{ accountId: h.accountId }] });
});
after(() => h.close());

test('greeting, capability, login, select with HIGHESTMODSEQ', async () => {
  const c = new TestClient(h.services);
  const greeting = await c.waitFor(/^\* OK .*\r\n/);
  assert.match(greeting, /CAPABILITY IMAP4rev1/);
  assert.match(greeting, /AUTH=PLAIN/);
  const login = await c.command('LOGIN user@example.test secret-pass');
  assert.match(login, /OK \[CAPABILITY IMAP4rev1 .*CONDSTORE/);
  const sel = await c.command('SELECT INBOX');
  assert.match(sel, /\* 3 EXISTS/);
  assert.match(sel, /\* OK \[UIDVALIDITY \d+\]/);
  assert.match(sel, /\* OK \[UIDNEXT 4\]/);
  assert.match(sel, /\* OK \[HIGHESTMODSEQ \d+\]/);
  assert.match(sel, /PERMANENTFLAGS \(.*\\\*\)/);
  assert.match(sel, /OK \[READ-WRITE\]/);
  c.close();
});

test('commands in the wrong state and unknown commands are BAD, the session keeps working', async () => {
  const c = new TestClient(h.services);
  await c.waitFor(/^\* OK/);
  assert.match(await c.command('SELECT INBOX', 'BAD'), /not allowed before login/);
  assert.match(await c.command('FROB', 'BAD'), /Unknown command/);
  await c.command('LOGIN user@example.test secret-pass');
  assert.match(await c.command('FETCH 1 FLAGS', 'BAD'), /without a selected mailbox/);
  await c.command('SELECT INBOX');
  assert.match(await c.command('FETCH 0 FLAGS', 'BAD'), /Invalid sequence set/);
  assert.match(await c.command('FETCH 4294967296 FLAGS', 'BAD'), /Invalid sequence set/);
  assert.match(await c.command('FETCH 9 FLAGS', 'BAD'), /Invalid message sequence number/);
  assert.match(await c.command('SEARCH ' + '('.repeat(200) + 'ALL' + ')'.repeat(200), 'BAD'), /nested/);
  await c.command('NOOP');
  c.close();
});

test('bad login is NO [AUTHENTICATIONFAILED]', async () => {
  const c = new TestClient(h.services, '10.9.9.9', true);
  await c.waitFor(/^\* OK/);
  assert.match(await c.command('LOGIN user@example.test wrong', 'NO'), /AUTHENTICATIONFAILED/);
  c.close();
});

test('LOGINDISABLED before TLS when not loopback', async () => {
  const c = new TestClient(h.services, '192.0.2.1', false);
  const g = await c.waitFor(/^\* OK.*\r\n/);
  assert.match(g, /LOGINDISABLED/);
  assert.match(await c.command('LOGIN user@example.test secret-pass', 'NO'), /PRIVACYREQUIRED/);
  c.close();
});

test('FETCH: flags, envelope, body sections, partial, header fields, and \\Seen', async () => {
  const c = new TestClient(h.services);
  await c.login();
  await c.command('SELECT INBOX');
  const f = await c.command('FETCH 1 (UID FLAGS RFC822.SIZE ENVELOPE BODYSTRUCTURE INTERNALDATE)');
  assert.match(f, /\* 1 FETCH \(UID 1 FLAGS \(\) RFC822\.SIZE \d+ ENVELOPE \("Mon, 7 Feb 1994 21:52:25 -0800" "Test 1" /);
  assert.match(f, /BODYSTRUCTURE \("text" "plain"/);
  const hdr = await c.command('UID FETCH 2 (BODY.PEEK[HEADER.FIELDS (Subject)])');
  assert.match(hdr, /\* 2 FETCH \(UID 2 BODY\[HEADER\.FIELDS \(Subject\)\] \{\d+\}\r\nSubject: Test 2\r\n\r\n\)/);
  const part = await c.command('FETCH 2 (BODY.PEEK[TEXT]<0.5>)');
  assert.match(part, /BODY\[TEXT\]<0> \{5\}\r\nHello\)/);
  const body = await c.command('FETCH 3 BODY[1]');
  assert.match(body, /BODY\[1\] \{14\}\r\nHello there\.\r\n/);
  assert.match(body, /FLAGS \(\\Seen\)/);
  const none = await c.command('FETCH 3 (BODY.PEEK[2])');
  assert.match(none, /BODY\[2\] NIL/);
  c.close();
});

test('STORE, SEARCH, ESEARCH, COPY with COPYUID, EXPUNGE', async () => {
  const c = new TestClient(h.services);
  await c.login();
  await c.command('SELECT INBOX');
  const st = await c.command('STORE 1:2 +FLAGS (\\Flagged Old)');
  assert.match(st, /\* 1 FETCH \(FLAGS \(\\Flagged Old/);
  assert.match(await c.command('SEARCH FLAGGED'), /\* SEARCH 1 2\r\n/);
  assert.match(await c.command('UID SEARCH KEYWORD Old NOT SUBJECT "test 2"'), /\* SEARCH 1\r\n/);
  assert.match(await c.command('SEARCH RETURN (MIN MAX COUNT) ALL'), /\* ESEARCH \(TAG "t\d+"\) MIN 1 MAX 3 COUNT 3/);
  assert.match(await c.command('SEARCH HEADER Message-ID test3'), /\* SEARCH 3\r\n/);
  assert.match(await c.command('SEARCH BODY hello'), /\* SEARCH 1 2 3\r\n/);
  const cp = await c.command('COPY 1:2 Archive');
  assert.match(cp, /OK \[COPYUID \d+ 1:2 1:2\]/);
  await c.command('STORE 1 +FLAGS.SILENT (\\Deleted)');
  const ex = await c.command('EXPUNGE');
  assert.match(ex, /\* 1 EXPUNGE/);
  assert.match(await c.command('STATUS Archive (MESSAGES UIDNEXT UNSEEN HIGHESTMODSEQ SIZE)'), /\* STATUS "Archive" \(MESSAGES 2 UIDNEXT 3 UNSEEN 2 HIGHESTMODSEQ \d+ SIZE \d+\)/);
  c.close();
});

test('LIST variants, CREATE/RENAME/DELETE, modified UTF-7 names', async () => {
  const c = new TestClient(h.services);
  await c.login();
  assert.match(await c.command('LIST "" ""'), /\* LIST \(\\Noselect\) "\/" ""/);
  const l = await c.command('LIST (SUBSCRIBED) "" "*" RETURN (SPECIAL-USE)');
  assert.match(l, /\* LIST \(\\HasNoChildren \\Subscribed \\Trash\) "\/" "Trash"/);
  await c.command('CREATE "Entw&APw-rfe/2024"');
  assert.match(await c.command('LIST "" "Entw*"'), /\* LIST \(\\HasChildren\) "\/" "Entw&APw-rfe"[\s\S]*"Entw&APw-rfe\/2024"/);
  // Not valid modified UTF-7: a name no mailbox can have (NO), and a pattern matching nothing.
  assert.match(await c.command('CREATE "bad&Jjo"', 'NO'), /modified UTF-7/);
  assert.match(await c.command('SELECT "bad&Jjo"', 'NO'), /NONEXISTENT/);
  assert.doesNotMatch(await c.command('LIST "" "&Jjo*"'), /\* LIST/);
  assert.match(await c.command('CREATE "a/../b"', 'NO'), /\.\./);
  assert.match(await c.command('CREATE ""', 'NO'), /empty/);
  assert.match(await c.command('CREATE "x*"', 'NO'), /wildcards/);
  await c.command('RENAME "Entw&APw-rfe" Drafts2');
  assert.match(await c.command('LIST "" "Drafts2/%"'), /"Drafts2\/2024"/);
  assert.match(await c.command('DELETE Drafts2', 'NO'), /children/);
  await c.command('DELETE Drafts2/2024');
  await c.command('DELETE Drafts2');
  assert.match(await c.command('STATUS Nope (MESSAGES)', 'NO'), /NONEXISTENT/);
  assert.match(await c.command('LIST "" "%" RETURN (STATUS (MESSAGES))'), /\* STATUS "INBOX" \(MESSAGES \d+\)/);
  // RFC 9208 §7.1: an account without a quota has no quota root, and no empty QUOTA list.
  const quota = await c.command('GETQUOTAROOT INBOX');
  assert.match(quota, /\* QUOTAROOT "INBOX"\r\n/);
  assert.doesNotMatch(quota, /\* QUOTA /);
  assert.match(await c.command('GETQUOTA ""', 'NO'), /NONEXISTENT/);
  assert.match(await c.command('NAMESPACE'), /\* NAMESPACE \(\("" "\/"\)\) NIL NIL/);
  c.close();
});

test('APPEND with literal, APPENDUID, quota, TRYCREATE, literal limits', async () => {
  const c = new TestClient(h.services);
  await c.login();
  const msg = message('Appended');
  c.send(`a1 APPEND Sent (\\Seen) {${msg.length}}\r\n`);
  await c.waitFor(/^\+ /);
  c.send(Buffer.concat([msg, Buffer.from('\r\n')]));
  assert.match(await c.waitFor(/a1 OK.*\r\n/), /a1 OK \[APPENDUID \d+ 1\]/);
  c.send(`a2 APPEND Sent {${msg.length}+}\r\n`);
  c.send(Buffer.concat([msg, Buffer.from('\r\n')]));
  assert.match(await c.waitFor(/a2 OK.*\r\n/), /APPENDUID \d+ 2/);
  assert.match(await c.command(`APPEND Nowhere {${msg.length}+}\r\n${msg.toString()}`, 'NO'), /TRYCREATE/);
  c.send('a3 LOGIN {4294967295}\r\n');
  assert.match(await c.waitFor(/a3 (NO|BAD).*\r\n/), /a3 NO \[TOOBIG\]/);
  await h.store.accounts.setQuota(h.accountId, 10);
  assert.match(await c.command(`APPEND Sent {${msg.length}+}\r\n${msg.toString()}`, 'NO'), /OVERQUOTA/);
  await h.store.accounts.setQuota(h.accountId, 0);
  await c.command('NOOP');
  c.close();
});

test('non-synchronizing literal over the limit closes with BYE', async () => {
  const c = new TestClient(h.services);
  await c.login();
  c.send('a1 APPEND INBOX {999999999999+}\r\nxxxx');
  assert.match(await c.waitFor(/\* BYE.*\r\n/), /BYE Literal too large/);
  c.close();
});

test('AUTHENTICATE PLAIN with SASL-IR and with continuation; LOGIN mechanism', async () => {
  const plain = Buffer.from('\0user@example.test\0secret-pass').toString('base64');
  const a = new TestClient(h.services);
  await a.waitFor(/^\* OK/);
  await a.command(`AUTHENTICATE PLAIN ${plain}`);
  a.close();
  const b = new TestClient(h.services);
  await b.waitFor(/^\* OK/);
  b.send('x AUTHENTICATE PLAIN\r\n');
  await b.waitFor(/^\+ \r\n/);
  b.send(plain + '\r\n');
  assert.match(await b.waitFor(/x OK.*\r\n/), /x OK \[CAPABILITY/);
  b.close();
  const d = new TestClient(h.services);
  await d.waitFor(/^\* OK/);
  d.send('y AUTHENTICATE LOGIN\r\n');
  await d.waitFor(/^\+ VXNlcm5hbWU6\r\n/);
  d.send(Buffer.from('user@example.test').toString('base64') + '\r\n');
  await d.waitFor(/^\+ UGFzc3dvcmQ6\r\n/);
  d.send(Buffer.from('secret-pass').toString('base64') + '\r\n');
  assert.match(await d.waitFor(/y OK.*\r\n/), /Logged in/);
  d.close();
});

test('EXAMINE is read-only; UID EXPUNGE; SEARCH RETURN (SAVE) and $; BADCHARSET; quota figures', async () => {
  const c = new TestClient(h.services);
  await c.login();
  const ex = await c.command('EXAMINE INBOX');
  assert.match(ex, /OK \[READ-ONLY\]/);
  assert.match(await c.command('STORE 1 +FLAGS (\\Seen)', 'NO'), /READ-ONLY/);
  assert.doesNotMatch(await c.command('FETCH 1 BODY[TEXT]'), /\\Seen/, 'EXAMINE never sets \\Seen');
  await c.command('SELECT INBOX');
  const all = [...(await c.command('UID SEARCH ALL')).matchAll(/ (\d+)/g)].map((m) => Number(m[1]));
  assert.ok(all.length >= 2);
  await c.command(`UID STORE ${all[0]},${all[1]} +FLAGS.SILENT (\\Deleted)`);
  const ux = await c.command(`UID EXPUNGE ${all[1]}`);
  assert.match(ux, /\* 2 EXPUNGE/);
  assert.doesNotMatch(ux, /\* 1 EXPUNGE/, 'UID EXPUNGE leaves other \\Deleted messages');
  assert.doesNotMatch(await c.command('SEARCH RETURN (SAVE) DELETED'), /ESEARCH/);
  assert.match(await c.command('UID FETCH $ (FLAGS)'), new RegExp(`UID ${all[0]} FLAGS \\([^)]*\\\\Deleted`));
  assert.match(await c.command('SEARCH CHARSET KOI8-R ALL', 'NO'), /BADCHARSET \(US-ASCII UTF-8\)/);
  await h.store.accounts.setQuota(h.accountId, 10 * 1024 * 1024);
  assert.match(await c.command('GETQUOTA ""'), /\* QUOTA "" \(STORAGE \d+ 10240\)/);
  await h.store.accounts.setQuota(h.accountId, 0);
  c.close();
});

test('RENAME INBOX moves its messages and leaves INBOX empty; UTF8=ACCEPT names', async () => {
  const c = new TestClient(h.services);
  await c.login();
  const before = Number(/MESSAGES (\d+)/.exec(await c.command('STATUS INBOX (MESSAGES)'))![1]);
  await c.command('RENAME INBOX "Old Inbox"');
  assert.match(await c.command('STATUS INBOX (MESSAGES)'), /MESSAGES 0\)/);
  assert.match(await c.command('STATUS "Old Inbox" (MESSAGES)'), new RegExp(`MESSAGES ${before}\\)`));
  await c.command('ENABLE UTF8=ACCEPT');
  await c.command('CREATE "Привет"');
  assert.match(await c.command('LIST "" "П*"'), /"Привет"/);
  c.close();
});
