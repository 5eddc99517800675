// NOTIFY (RFC 5465) over real sockets: the STATUS indicator, STATUS for other mailboxes' new,
// expunged and flag-changed messages and LIST for created, renamed and deleted ones, arriving with
// no command in progress; the selected mailbox's events as they happen (with MessageNew's fetch
// attributes), EXPUNGE held back under SELECTED-DELAYED; BADEVENT and the grammar's BAD cases.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startImap, USER, PASS, type RunningImap } from '../fixtures/imap-server.ts';
import { rawImap, type RawImap } from '../fixtures/imap-raw.ts';

/** A connection that shows everything the server sends, prompted or not. */
interface Watcher {
  send(line: string): void;
  /** Waits until `re` matches what arrived since the last call, and returns that text. */
  until(re: RegExp): Promise<string>;
  close(): void;
}

function watcher(port: number): Watcher {
  const sock = net.connect(port, '127.0.0.1');
  let got = '';
  sock.on('data', (d) => { got += d.toString('latin1'); });
  return {
    send(line) { sock.write(line + '\r\n'); },
    async until(re) {
      for (let i = 0; i < 200; i++) {
        const m = re.exec(got);
        if (m) {
          const out = got.slice(0, m.index + m[0].length);
          got = got.slice(m.index + m[0].length);
          return out;
        }
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`timed out waiting for ${re}; have ${JSON.stringify(got.slice(0, 500))}`);
    },
    close() { sock.destroy(); },
  };
}

let srv: RunningImap;
let other: RawImap;
const message = 'From: x@example.test\r\nSubject: n\r\n\r\nbody\r\n';
const append = (box: string) => other.cmd(`APPEND ${box} {${message.length}+}\r\n${message}`);

before(async () => {
  srv = await startImap();
  other = await rawImap(srv.imapPort);
  assert.match(await other.cmd(`LOGIN ${USER} ${PASS}`), /OK/);
  assert.match(await other.cmd('CAPABILITY'), / NOTIFY/);
  await other.cmd('CREATE Watched');
  await other.cmd('CREATE Tree/Leaf');
  await append('Watched');
});
after(async () => {
  other?.close();
  await srv?.stop();
});

test('NOTIFY SET STATUS, then STATUS and LIST for other mailboxes with no command in progress', async () => {
  const w = watcher(srv.imapPort);
  await w.until(/^\* OK/m);
  w.send(`a LOGIN ${USER} ${PASS}`);
  await w.until(/^a OK/m);
  w.send('b NOTIFY SET STATUS (mailboxes Watched (MessageNew MessageExpunge)) (subtree Tree (MessageNew MessageExpunge FlagChange MailboxName))');
  const initial = await w.until(/^b OK/m);
  assert.match(initial, /\* STATUS "Watched" \(MESSAGES 1 UIDNEXT 2 UIDVALIDITY \d+\)\r\n/);
  assert.match(initial, /\* STATUS "Tree\/Leaf" \(MESSAGES 0 UIDNEXT 1 UIDVALIDITY \d+ HIGHESTMODSEQ \d+\)\r\n/);
  assert.doesNotMatch(initial, /STATUS "?INBOX/, 'INBOX is not watched');

  await append('Watched');
  assert.match(await w.until(/\* STATUS "Watched"[^\r]*\r\n/), /\* STATUS "Watched" \(MESSAGES 2 UIDNEXT 3 UIDVALIDITY \d+\)/);
  await other.cmd('SELECT Watched');
  await other.cmd('STORE 1 +FLAGS (\\Deleted)');
  await other.cmd('EXPUNGE');
  assert.match(await w.until(/\* STATUS "Watched"[^\r]*\r\n/), /\(MESSAGES 1\)/);
  await other.cmd('STORE 1 +FLAGS (\\Seen)');
  await append('INBOX');
  await other.cmd('CREATE Tree/New');
  assert.match(await w.until(/\* LIST \(\) "\/" "Tree\/New"\r\n/), /LIST/);
  await other.cmd('RENAME Tree/New Tree/Renamed');
  assert.match(await w.until(/\* LIST[^\r]*Renamed[^\r]*\r\n/), /\* LIST \(\) "\/" "Tree\/Renamed" \("OLDNAME" \("Tree\/New"\)\)/);
  await other.cmd('DELETE Tree/Renamed');
  const rest = await w.until(/\* LIST \(\\NonExistent\) "\/" "Tree\/Renamed"\r\n/);
  assert.doesNotMatch(rest, /STATUS "?(INBOX|Watched)/, 'a flag change on Watched (no FlagChange there) and INBOX mail say nothing');
  w.send('c NOTIFY NONE');
  await w.until(/^c OK/m);
  await append('Watched');
  w.send('d NOOP');
  assert.doesNotMatch(await w.until(/^d OK/m), /STATUS/, 'NOTIFY NONE ends the notifications');
  w.close();
});

test('SELECTED: EXISTS with the fetch attributes, FETCH FLAGS and EXPUNGE as they happen; SELECTED-DELAYED holds EXPUNGE', async () => {
  await other.cmd('CREATE Sel');
  await append('Sel');
  await append('Sel');
  const w = watcher(srv.imapPort);
  await w.until(/^\* OK/m);
  w.send(`a LOGIN ${USER} ${PASS}`);
  w.send('b SELECT Sel');
  await w.until(/^b OK/m);
  w.send('c NOTIFY SET (selected (MessageNew (UID FLAGS) MessageExpunge FlagChange))');
  await w.until(/^c OK/m);
  await other.cmd('SELECT Sel');
  await append('Sel');
  // Both sessions have Sel selected read-write: whichever hears of message 3 first owns it as
  // \Recent (RFC 3501 §2.3.2). On SQLite the claim is synchronous and this session, listening first,
  // always wins; on PostgreSQL the two claims are transactions that race.
  assert.match(await w.until(/\* 3 FETCH \([^\r]*\)\r\n/), /\* 3 EXISTS\r\n[\s\S]*\* 3 FETCH \(UID 3 FLAGS \((\\Recent)?\)\)/);
  await other.cmd('STORE 1 +FLAGS (\\Flagged)');
  await w.until(/\* 1 FETCH \(FLAGS \(\\Flagged \\Recent\)\)\r\n/);
  await other.cmd('STORE 1 +FLAGS (\\Deleted)');
  await other.cmd('EXPUNGE');
  await w.until(/\* 1 EXPUNGE\r\n/);

  w.send('d NOTIFY SET (selected-delayed (MessageNew MessageExpunge))');
  await w.until(/^d OK/m);
  await other.cmd('STORE 1 +FLAGS (\\Deleted)');
  await other.cmd('EXPUNGE');
  await append('Sel');
  assert.doesNotMatch(await w.until(/\* 3 EXISTS\r\n/), /EXPUNGE/, 'the new message shows, the expunge waits');
  w.send('e FETCH 1 FLAGS');
  assert.doesNotMatch(await w.until(/^e OK/m), /EXPUNGE/, 'not during FETCH either (RFC 3501 §7.4.1)');
  w.send('f NOOP');
  assert.match(await w.until(/^f OK/m), /\* 1 EXPUNGE/);
  w.close();
});

test('unsupported events are NO [BADEVENT]; the grammar rules are BAD; a refused NOTIFY changes nothing', async () => {
  const c = await rawImap(srv.imapPort);
  await c.cmd(`LOGIN ${USER} ${PASS}`);
  assert.match(await c.cmd('NOTIFY SET (personal (SubscriptionChange))'), /NO \[BADEVENT \(MessageNew MessageExpunge FlagChange MailboxName\)\]/);
  assert.match(await c.cmd('NOTIFY SET (personal (XFuture))'), /NO \[BADEVENT/);
  for (const bad of ['NOTIFY', 'NOTIFY SET', 'NOTIFY SET STATUS', 'NOTIFY NONE x', 'NOTIFY SET (selected (MessageNew))',
    'NOTIFY SET (selected (FlagChange))', 'NOTIFY SET (selected (MailboxName))', 'NOTIFY SET (selected NONE) (selected-delayed NONE)',
    'NOTIFY SET (personal (MessageNew (UID) MessageExpunge))', 'NOTIFY SET (selected (MessageNew (BODY[]) MessageExpunge))',
    'NOTIFY SET (mailboxes () (MessageNew))', 'NOTIFY SET (personal ())', 'NOTIFY SET (elsewhere (MessageNew))']) {
    assert.match(await c.cmd(bad), /^t\d+ BAD /m, bad);
  }
  c.close();
});
