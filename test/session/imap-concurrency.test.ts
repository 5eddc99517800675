import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeHarness, TestClient, message, type Harness } from '../fixtures/imap-harness.ts';
import { deliver } from '../../src/delivery/deliver.ts';

let h: Harness;
before(async () => {
  h = await makeHarness();
  for (let i = 1; i <= 5; i++) await deliver(h.store, { raw: message(`M${i}`), recipients: [{ accountId: h.accountId }] });
});
after(() => h.close());

test('two sessions: expunge, move, flags and new mail reach the other at the right moments', async () => {
  const a = new TestClient(h.services);
  const b = new TestClient(h.services);
  await a.login();
  await b.login();
  await a.command('SELECT INBOX');
  await b.command('SELECT INBOX');

  // A flags message 2; B sees FETCH FLAGS at its next command.
  await a.command('STORE 2 +FLAGS.SILENT (\\Flagged)');
  assert.match(await b.command('NOOP'), /\* 2 FETCH \(FLAGS \(\\Flagged\)\)/);

  // A expunges message 1: B must not get EXPUNGE after FETCH (RFC 3501 §7.4.1), but gets it at NOOP.
  await a.command('STORE 1 +FLAGS.SILENT (\\Deleted)');
  await a.command('EXPUNGE');
  const during = await b.command('FETCH 1:* (UID)');
  assert.doesNotMatch(during, /EXPUNGE/);
  assert.match(during, /\* 2 FETCH \(UID 2\)/, 'B still addresses the old sequence numbers');
  assert.doesNotMatch(during, /UID 1\)/, 'the expunged message is left out');
  const noop = await b.command('NOOP');
  assert.match(noop, /\* 1 EXPUNGE/);
  assert.match(await b.command('FETCH 1 (UID)'), /\* 1 FETCH \(UID 2\)/);

  // A moves message with UID 3 to Archive: B sees the expunge at UID FETCH (allowed there).
  const mv = await a.command('UID MOVE 3 Archive');
  assert.match(mv, /\* OK \[COPYUID \d+ 3 1\]/);
  assert.match(mv, /\* 2 EXPUNGE/);
  assert.match(await b.command('UID FETCH 1:* (FLAGS)'), /\* 2 EXPUNGE/);

  // New mail arrives: B sees EXISTS at its next command; A too.
  await deliver(h.store, { raw: message('New'), recipients: [{ accountId: h.accountId }] });
  assert.match(await b.command('NOOP'), /\* 4 EXISTS/);
  assert.match(await a.command('NOOP'), /\* 4 EXISTS/);
  a.close();
  b.close();
});

test('IDLE: changes are pushed immediately', async () => {
  const a = new TestClient(h.services);
  const b = new TestClient(h.services);
  await a.login();
  await b.login();
  await a.command('SELECT INBOX');
  const sel = await b.command('SELECT INBOX');
  const exists = Number(/\* (\d+) EXISTS/.exec(sel)![1]);
  b.send('i1 IDLE\r\n');
  await b.waitFor(/^\+ idling\r\n/);
  await deliver(h.store, { raw: message('Pushed'), recipients: [{ accountId: h.accountId }] });
  assert.match(await b.waitFor(/EXISTS\r\n/), new RegExp(`\\* ${exists + 1} EXISTS`));
  await a.command('STORE 1 +FLAGS.SILENT (\\Seen)');
  assert.match(await b.waitFor(/FETCH.*\r\n/), /\* 1 FETCH \(FLAGS \(\\Flagged \\Seen\)\)|\* 1 FETCH \(FLAGS \(\\Seen/);
  await a.command('STORE 1 +FLAGS.SILENT (\\Deleted)');
  await a.command('EXPUNGE');
  assert.match(await b.waitFor(/EXPUNGE\r\n/), /\* 1 EXPUNGE/);
  b.send('DONE\r\n');
  assert.match(await b.waitFor(/i1 OK.*\r\n/), /i1 OK IDLE terminated/);
  a.close();
  b.close();
});

test('CONDSTORE/QRESYNC: reselect reports VANISHED (EARLIER) and changed flags', async () => {
  const a = new TestClient(h.services);
  await a.login();
  await a.command('ENABLE QRESYNC');
  const sel = await a.command('SELECT INBOX');
  const validity = Number(/UIDVALIDITY (\d+)/.exec(sel)![1]);
  const modseq = Number(/HIGHESTMODSEQ (\d+)/.exec(sel)![1]);
  const uids = [...(await a.command('UID SEARCH ALL')).matchAll(/ (\d+)/g)].map((m) => Number(m[1]));
  const b = new TestClient(h.services);
  await b.login();
  await b.command('SELECT INBOX');
  await b.command(`UID STORE ${uids[0]} +FLAGS.SILENT (\\Answered)`);
  await b.command(`UID STORE ${uids[1]} +FLAGS.SILENT (\\Deleted)`);
  await b.command('EXPUNGE');
  await a.command('UNSELECT');
  const re = await a.command(`SELECT INBOX (QRESYNC (${validity} ${modseq}))`);
  assert.match(re, new RegExp(`\\* VANISHED \\(EARLIER\\) ${uids[1]}`));
  assert.match(re, new RegExp(`\\* 1 FETCH \\(UID ${uids[0]} FLAGS \\([^)]*\\\\Answered[^)]*\\) MODSEQ \\(\\d+\\)\\)`));
  const changed = await a.command(`UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${modseq} VANISHED)`);
  assert.match(changed, /VANISHED \(EARLIER\)/);
  assert.match(changed, /MODSEQ \(\d+\)/);
  const unchanged = await a.command(`STORE 1 (UNCHANGEDSINCE 1) +FLAGS (\\Flagged)`);
  assert.match(unchanged, /OK \[MODIFIED 1\]/);
  a.close();
  b.close();
});

test('flags another session changed are reported for exactly those messages, read as ranges of the view', async () => {
  await h.store.imapMailboxes.create(h.accountId, 'Ranges');
  for (let i = 1; i <= 8; i++) await deliver(h.store, { raw: message(`R${i}`), recipients: [{ accountId: h.accountId, mailbox: 'Ranges' }] });
  const a = new TestClient(h.services);
  const b = new TestClient(h.services);
  await a.login();
  await b.login();
  await a.command('SELECT Ranges');
  await b.command('SELECT Ranges');
  // UID 4 goes, so UIDs 3 and 5 are next to each other in the views; 6 keeps its flags.
  await b.command('UID STORE 4 +FLAGS.SILENT (\\Deleted)');
  await b.command('UID EXPUNGE 4');
  await a.command('NOOP');
  await b.command('UID STORE 1:3,5,7 +FLAGS.SILENT (\\Flagged)');
  const noop = await a.command('NOOP');
  const reported = [...noop.matchAll(/\* (\d+) FETCH \(FLAGS \(([^)]*)\)\)/g)];
  assert.deepEqual(reported.map((m) => Number(m[1])), [1, 2, 3, 4, 6], 'sequence numbers after the expunge; not 5 (UID 6)');
  for (const m of reported) assert.match(m[2]!, /\\Flagged/);
  a.close();
  b.close();
});
