// OBJECTID (RFC 8474) and SAVEDATE (RFC 8514) over real sockets, with imapflow (which reads
// MAILBOXID from CREATE and SELECT, asks for EMAILID in every FETCH once OBJECTID is advertised, and
// searches by EMAILID) and Python's imaplib (FETCH SAVEDATE, SEARCH SAVED*, STATUS MAILBOXID): COPY and
// MOVE keep the EMAILID, RENAME keeps the MAILBOXID and a recreated mailbox gets a new one, THREADID
// is NIL, the save date of a copy is the time of the copy, and every value is the same after the
// server restarts on the same store; and raw commands for what neither client sends (EXAMINE,
// LIST-STATUS MAILBOXID, SEARCH THREADID, a malformed objectid).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ImapFlow } from 'imapflow';
import { startImap, USER, PASS, type RunningImap } from '../fixtures/imap-server.ts';
import { rawImap } from '../fixtures/imap-raw.ts';

const run = promisify(execFile);
let srv: RunningImap;
before(async () => {
  srv = await startImap();
});
after(async () => {
  await srv?.stop();
});

function client(): ImapFlow {
  return new ImapFlow({ host: '127.0.0.1', port: srv.imapPort, secure: false, auth: { user: USER, pass: PASS }, logger: false, doSTARTTLS: false });
}

const raw = (subject: string) => `From: Bob <bob@example.test>\r\nTo: ${USER}\r\nSubject: ${subject}\r\nMessage-ID: <${subject}@x>\r\n\r\nbody of ${subject}\r\n`;

async function imaplib(mode: 'fill' | 'check'): Promise<Record<string, unknown>> {
  const script = new URL('./scripts/imaplib_savedate.py', import.meta.url).pathname;
  const { stdout } = await run('/usr/bin/python3', [script, mode, String(srv.imapPort), USER, PASS], { timeout: 30000 });
  return JSON.parse(stdout);
}

/** The quoted date-time of `item` in an imaplib FETCH line, as ms since epoch. */
function dateOf(line: string, item: string): number {
  const m = new RegExp(`${item} "([^"]+)"`).exec(line);
  assert.ok(m, `${item} in ${line}`);
  const [, d, mon, y, time, zone] = /^ ?(\d+)-(\w{3})-(\d{4}) (\S+) (\S+)$/.exec(m[1]!)!;
  return Date.parse(`${d} ${mon} ${y} ${time} ${zone}`);
}

test('imapflow: MAILBOXID on CREATE and SELECT, kept by RENAME, new after DELETE and CREATE; EMAILID kept by COPY and MOVE', async () => {
  const c = client();
  await c.connect();
  try {
    assert.ok(c.capabilities.has('OBJECTID') && c.capabilities.has('SAVEDATE'));
    const created = await c.mailboxCreate('Work');
    assert.match(String(created.mailboxId), /^M[0-9a-f]{32}$/);
    await c.mailboxCreate('Other');
    const work = await c.mailboxOpen('Work');
    assert.equal(work.mailboxId, created.mailboxId, 'SELECT reports the MAILBOXID CREATE gave');
    await c.append('Work', raw('one'));
    await c.append('Work', raw('two'));
    const fetched = [];
    for await (const m of c.fetch('1:*', { uid: true, threadId: true })) fetched.push({ uid: m.uid, emailId: m.emailId, threadId: m.threadId });
    assert.equal(fetched.length, 2);
    assert.ok(fetched.every((m) => /^E[0-9a-f]{32}$/.test(String(m.emailId))), JSON.stringify(fetched));
    assert.notEqual(fetched[0]!.emailId, fetched[1]!.emailId, 'different messages, different EMAILIDs');
    assert.ok(fetched.every((m) => !m.threadId), 'THREADID is NIL');
    await c.messageCopy('1', 'Other', { uid: true });
    await c.messageMove('2', 'Other', { uid: true });
    await c.mailboxOpen('Other');
    const other = [];
    for await (const m of c.fetch('1:*', { uid: true })) other.push(m.emailId);
    assert.deepEqual(other, [fetched[0]!.emailId, fetched[1]!.emailId], 'the copy and the moved message keep their EMAILIDs');
    assert.deepEqual(await c.search({ emailId: fetched[0]!.emailId! }, { uid: true }), [1]);
    assert.deepEqual(await c.search({ emailId: 'Enomessage' }, { uid: true }), []);
    await c.mailboxOpen('Work');
    assert.deepEqual(await c.search({ emailId: fetched[0]!.emailId! }, { uid: true }), [1], 'the original still has it');
    await c.mailboxClose();
    await c.mailboxRename('Work', 'Job');
    assert.equal((await c.mailboxOpen('Job')).mailboxId, created.mailboxId, 'RENAME keeps the MAILBOXID');
    await c.mailboxClose();
    await c.mailboxDelete('Job');
    const again = await c.mailboxCreate('Job');
    assert.match(String(again.mailboxId), /^M[0-9a-f]{32}$/);
    assert.notEqual(again.mailboxId, created.mailboxId, 'a recreated mailbox gets a new MAILBOXID');
  } finally {
    await c.logout();
  }
});

test('imaplib: SAVEDATE of a copy is the time of the copy, SEARCH SAVED*; values survive a restart', async () => {
  const t0 = Date.now() - 1000;
  const out = await imaplib('fill');
  const caps = out.caps as string[];
  assert.ok(caps.includes('SAVEDATE') && caps.includes('OBJECTID'));
  assert.match((out.create as string[])[0]!, /^\[MAILBOXID \(M[0-9a-f]{32}\)\] /);
  const inbox = (out.inbox as string[])[0]!;
  const saved = (out.saved as string[])[0]!;
  assert.equal(dateOf(inbox, 'INTERNALDATE'), Date.UTC(2020, 0, 2, 3, 4, 5), inbox);
  assert.match(inbox, /THREADID NIL/);
  const appendedAt = dateOf(inbox, 'SAVEDATE');
  const copiedAt = dateOf(saved, 'SAVEDATE');
  assert.ok(appendedAt >= t0 - 1000 && appendedAt <= Date.now(), 'the APPEND saved it now, not at its internal date');
  assert.ok(copiedAt > appendedAt, `the copy's save date is its own (${saved} after ${inbox})`);
  assert.equal(dateOf(saved, 'INTERNALDATE'), Date.UTC(2020, 0, 2, 3, 4, 5), 'COPY keeps the internal date');
  const emailId = /EMAILID \((E[0-9a-f]{32})\)/.exec(inbox)?.[1];
  assert.ok(emailId && saved.includes(`EMAILID (${emailId})`), 'COPY keeps the EMAILID');
  // The search ran in Saved (the copy); its save date is today (UTC, as the server compares days).
  if (new Date(copiedAt).toUTCString().slice(5, 16) === new Date().toUTCString().slice(5, 16)) {
    assert.equal(out['search SAVEDSINCE today'], '1');
    assert.equal(out['search SAVEDON today'], '1');
    assert.equal(out['search SAVEDBEFORE today'], '');
    assert.equal(out['search SINCE today'], '', 'the internal date is 2020: only the save date is today');
  }
  assert.equal(out['search SAVEDSINCE tomorrow'], '');
  assert.equal(out['search SAVEDATESUPPORTED'], '1');
  assert.match(String(out['search bad date']), /BAD/);

  const boxId = /MAILBOXID \((M[0-9a-f]{32})\)/.exec((out.create as string[])[0]!)![1]!;
  await srv.restart();
  const later = await imaplib('check');
  const after = (later.saved as string[])[0]!;
  assert.equal(dateOf(after, 'SAVEDATE'), copiedAt, 'the save date survives a restart');
  assert.ok(after.includes(`EMAILID (${emailId})`), 'the EMAILID survives a restart');
  assert.match((later.status as string[])[0]!, new RegExp(`"?Saved"? \\(MAILBOXID \\(${boxId}\\) MESSAGES 1\\)`), 'STATUS MAILBOXID, the same after the restart');
});

test('raw: MAILBOXID in EXAMINE, LIST-STATUS and STATUS agree; SEARCH THREADID matches nothing; a bad objectid is BAD', async () => {
  const c = await rawImap(srv.imapPort);
  try {
    await c.cmd(`LOGIN ${USER} ${PASS}`);
    const created = /OK \[MAILBOXID \((M[0-9a-f]{32})\)\]/.exec(await c.cmd('CREATE Raw'))?.[1];
    assert.ok(created);
    const msg = 'Subject: x\r\n\r\nhi\r\n';
    assert.match(await c.cmd(`APPEND Raw {${msg.length}+}\r\n${msg}`), /OK/);
    assert.match(await c.cmd('EXAMINE Raw'), new RegExp(`\\* OK \\[MAILBOXID \\(${created}\\)\\]`));
    assert.match(await c.cmd('LIST "" Raw RETURN (STATUS (MAILBOXID MESSAGES))'), new RegExp(`\\* STATUS "?Raw"? \\(MAILBOXID \\(${created}\\) MESSAGES 1\\)`));
    assert.match(await c.cmd('STATUS Raw (MAILBOXID)'), new RegExp(`\\* STATUS "?Raw"? \\(MAILBOXID \\(${created}\\)\\)`));
    assert.match(await c.cmd('SEARCH THREADID T1'), /\* SEARCH\r\n/);
    assert.match(await c.cmd('SEARCH NOT THREADID T1'), /\* SEARCH 1\r\n/);
    assert.match(await c.cmd('SEARCH EMAILID "a b"'), /BAD/);
    assert.match(await c.cmd('FETCH 1 (EMAILID THREADID SAVEDATE)'), /\* 1 FETCH \(EMAILID \(E[0-9a-f]{32}\) THREADID NIL SAVEDATE "[^"]+"\)/);
  } finally {
    c.close();
  }
});
