import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startImap, USER, PASS, type RunningImap } from '../fixtures/imap-server.ts';

const run = promisify(execFile);
let srv: RunningImap;
before(async () => {
  srv = await startImap({ allowPlaintextLoopback: false });
});
after(async () => {
  await srv.stop();
});

test('imaplib: STARTTLS, LOGIN, APPEND, LIST, SELECT, FETCH, SEARCH, STORE, COPY, STATUS, EXPUNGE', async () => {
  const script = new URL('./scripts/imaplib_session.py', import.meta.url).pathname;
  const { stdout } = await run('/usr/bin/python3', [script, String(srv.imapPort), USER, PASS], { timeout: 20000 });
  const out = JSON.parse(stdout);
  assert.ok(out.caps_before.includes('STARTTLS'));
  assert.ok(out.caps_before.includes('LOGINDISABLED'), 'LOGIN is disabled before TLS from loopback unless configured');
  assert.equal(out.login, 'OK');
  assert.ok(out.caps_after.includes('AUTH=PLAIN') && !out.caps_after.includes('LOGINDISABLED'), 'after STARTTLS login is offered');
  assert.match(out.append[1], /APPENDUID \d+ 1/);
  assert.deepEqual(out.list, ['(\\HasChildren) "/" "Py"', '(\\HasNoChildren) "/" "Py/Sub"']);
  assert.equal(out.select[1], '1');
  assert.match(out.fetch[0], /1 \(UID 1 FLAGS \(\\Seen \\Recent\) INTERNALDATE "14-Nov-2023 22:13:20 \+0000" RFC822.SIZE 61 BODY\[HEADER.FIELDS \(SUBJECT\)\] \{\d+\}/);
  assert.equal(out.search, '1');
  assert.equal(out.store, '1 (FLAGS (\\Seen \\Flagged \\Recent))');
  assert.equal(out.copy, 'OK');
  assert.match(out.status, /"Py\/Sub" \(MESSAGES 1 UNSEEN 0 UIDNEXT 2\)/);
  assert.deepEqual(out.expunge, ['1']);
  assert.match(out.fetch_after_expunge, /BAD.*No messages/);
});

/** Reads from a socket until `re` matches the accumulated text. */
function readUntil(sock: net.Socket | tls.TLSSocket, re: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString();
      if (re.test(buf)) {
        sock.off('data', onData);
        resolve(buf);
      }
    };
    sock.on('data', onData);
    sock.once('error', reject);
    setTimeout(() => reject(new Error(`timeout; got ${buf}`)), 5000).unref();
  });
}

test('STARTTLS: a command pipelined in the same packet is discarded', async () => {
  const sock = net.connect(srv.imapPort, '127.0.0.1');
  await readUntil(sock, /^\* OK.*\r\n/);
  sock.write('a STARTTLS\r\nb LOGIN user@example.test secret-pass\r\n');
  await readUntil(sock, /a OK.*\r\n/);
  const secure = tls.connect({ socket: sock, rejectUnauthorized: false });
  await new Promise((r) => secure.once('secureConnect', r));
  secure.write('c CAPABILITY\r\n');
  const caps = await readUntil(secure, /c OK.*\r\n/);
  assert.doesNotMatch(caps, /^b /m, 'the pipelined LOGIN was not executed');
  assert.match(caps, /AUTH=PLAIN/);
  assert.doesNotMatch(caps, /STARTTLS/);
  secure.write('d LOGIN user@example.test secret-pass\r\n');
  assert.match(await readUntil(secure, /d (OK|NO).*\r\n/), /d OK/);
  secure.end();
});

test('hostile input over a socket: overlong line, huge literal, garbage; the server keeps serving', async () => {
  const sock = net.connect(srv.imapPort, '127.0.0.1');
  await readUntil(sock, /^\* OK.*\r\n/);
  sock.write('x1 NOOP ' + 'A'.repeat(200 * 1024) + '\r\n');
  assert.match(await readUntil(sock, /x1 BAD.*\r\n/), /Line too long/);
  sock.write('x2 LOGIN {4294967295}\r\n');
  assert.match(await readUntil(sock, /x2 NO.*\r\n/), /TOOBIG/);
  sock.write('\x00\x01\xff garbage\r\n');
  assert.match(await readUntil(sock, /BAD.*\r\n/), /BAD/);
  sock.write('x3 NOOP\r\n');
  assert.match(await readUntil(sock, /x3 OK.*\r\n/), /x3 OK/);
  sock.end();
});
