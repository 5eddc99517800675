import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ImapFlow } from 'imapflow';
import { startImap, USER, PASS, type RunningImap } from '../fixtures/imap-server.ts';

let srv: RunningImap;
before(async () => {
  srv = await startImap();
});
after(async () => {
  await srv.stop();
});

function client(port: number, secure: boolean): ImapFlow {
  return new ImapFlow({ host: '127.0.0.1', port, secure, auth: { user: USER, pass: PASS }, tls: { rejectUnauthorized: false }, logger: false, doSTARTTLS: secure ? undefined : true });
}

const raw = (subject: string) => `From: Bob <bob@example.test>\r\nTo: ${USER}\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@x>\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nbody of ${subject}\r\n--b\r\nContent-Type: application/octet-stream; name="a.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECAw==\r\n--b--\r\n`;

test('imapflow over implicit TLS: list, append, fetch, flags, search, move, expunge, idle', async () => {
  const c = client(srv.imapsPort, true);
  await c.connect();
  const boxes = await c.list();
  const names = boxes.map((b) => b.path);
  for (const n of ['INBOX', 'Sent', 'Drafts', 'Trash', 'Junk', 'Archive']) assert.ok(names.includes(n), n);
  assert.equal(boxes.find((b) => b.path === 'Trash')!.specialUse, '\\Trash');

  const appended = await c.append('INBOX', raw('First'), ['\\Seen']);
  assert.ok(appended && appended.uid === 1);
  await c.append('INBOX', raw('Second'));
  const lock = await c.getMailboxLock('INBOX');
  try {
    assert.equal((c.mailbox as { exists: number }).exists, 2);
    const msgs = [];
    for await (const m of c.fetch('1:*', { uid: true, flags: true, envelope: true, bodyStructure: true, source: true })) msgs.push(m);
    assert.equal(msgs.length, 2);
    assert.equal(msgs[0]!.envelope!.subject, 'First');
    assert.ok(msgs[0]!.flags!.has('\\Seen'));
    assert.equal(msgs[1]!.bodyStructure!.childNodes!.length, 2);
    assert.match(msgs[1]!.source!.toString(), /body of Second/);
    const part = await c.download('2', '2', { uid: true });
    const chunks: Buffer[] = [];
    for await (const ch of part.content!) chunks.push(ch as Buffer);
    assert.deepEqual(Buffer.concat(chunks), Buffer.from([0, 1, 2, 3]));

    await c.messageFlagsAdd('2', ['\\Flagged', 'Old'], { uid: true });
    assert.deepEqual(await c.search({ flagged: true }, { uid: true }), [2]);
    assert.deepEqual(await c.search({ subject: 'first' }, { uid: true }), [1]);
    assert.deepEqual(await c.search({ keyword: 'Old' }, { uid: true }), [2]);

    const moved = await c.messageMove('1', 'Archive', { uid: true });
    assert.ok(moved);
    assert.equal((c.mailbox as { exists: number }).exists, 1);
    const st = await c.status('Archive', { messages: true, uidNext: true });
    assert.ok(st && st.messages === 1);

    // IDLE: another connection appends; this one hears EXISTS.
    const other = client(srv.imapPort, false);
    await other.connect();
    const heard = new Promise<number>((resolve) => c.on('exists', (d: { count: number }) => resolve(d.count)));
    void c.idle();
    await other.append('INBOX', raw('Third'));
    assert.equal(await heard, 2);
    await other.logout();

    await c.messageDelete('1:*', { uid: true });
    assert.equal((c.mailbox as { exists: number }).exists, 0);
  } finally {
    lock.release();
  }
  await c.logout();
});
