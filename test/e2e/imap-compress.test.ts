// COMPRESS=DEFLATE (RFC 4978) over real sockets: imapflow negotiates it by itself and works through
// it (append, fetch of a large message, search); a raw client speaking raw DEFLATE with node:zlib
// checks COMPRESSIONACTIVE, that a decompression bomb (a 16 MiB line that compresses to a few KiB)
// meets the line limit and the connection keeps serving, and that other sessions are unaffected.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import zlib from 'node:zlib';
import { ImapFlow } from 'imapflow';
import { startImap, USER, PASS, type RunningImap } from '../fixtures/imap-server.ts';
import { rawImap } from '../fixtures/imap-raw.ts';

let srv: RunningImap;
before(async () => {
  srv = await startImap();
});
after(async () => {
  await srv.stop();
});

test('imapflow uses COMPRESS=DEFLATE when offered, and everything works through it', async () => {
  const c = new ImapFlow({ host: '127.0.0.1', port: srv.imapPort, secure: false, auth: { user: USER, pass: PASS }, logger: false, doSTARTTLS: false });
  await c.connect();
  assert.ok(c.capabilities.has('COMPRESS=DEFLATE'));
  assert.ok((c as unknown as { _deflate?: unknown })._deflate, 'imapflow switched compression on');
  const big = `From: a@example.test\r\nSubject: big\r\n\r\n${'line of text that repeats\r\n'.repeat(40_000)}`;
  await c.append('INBOX', big);
  const lock = await c.getMailboxLock('INBOX');
  try {
    const m = await c.fetchOne('*', { source: true, uid: true });
    assert.ok(m && m.source);
    assert.equal(m.source.length, Buffer.byteLength(big));
    assert.deepEqual(await c.search({ subject: 'big' }, { uid: true }), [m.uid]);
  } finally {
    lock.release();
  }
  await c.logout();
});

/** A raw client that switches to raw DEFLATE after COMPRESS, as RFC 4978 §3 says. */
async function compressedClient(port: number) {
  const sock = net.connect(port, '127.0.0.1');
  let text = '';
  let inflate: zlib.InflateRaw | null = null;
  let deflate: zlib.DeflateRaw | null = null;
  sock.on('data', (d: Buffer) => {
    if (inflate) inflate.write(d);
    else text += d.toString('latin1');
  });
  const until = async (re: RegExp) => {
    for (let i = 0; i < 400; i++) {
      const m = re.exec(text);
      if (m) {
        const out = text.slice(0, m.index + m[0].length);
        text = text.slice(m.index + m[0].length);
        return out;
      }
      if (sock.destroyed) throw new Error(`connection closed; have ${text.slice(0, 300)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`timed out waiting for ${re}; have ${text.slice(0, 300)}`);
  };
  const send = (data: string | Buffer) => {
    if (!deflate) {
      sock.write(data);
      return;
    }
    deflate.write(data);
    deflate.flush(zlib.constants.Z_SYNC_FLUSH);
  };
  await until(/^\* OK.*\r\n/);
  send(`a LOGIN ${USER} ${PASS}\r\nb COMPRESS DEFLATE\r\n`);
  assert.match(await until(/^b .*\r\n/m), /b OK DEFLATE active/);
  inflate = zlib.createInflateRaw();
  inflate.on('data', (d: Buffer) => { text += d.toString('latin1'); });
  deflate = zlib.createDeflateRaw();
  deflate.on('data', (d: Buffer) => sock.write(d));
  return { send, until, sock };
}

test('a raw DEFLATE client: COMPRESSIONACTIVE, a decompression bomb meets the line limit, the connection goes on', async () => {
  const c = await compressedClient(srv.imapPort);
  c.send('c COMPRESS DEFLATE\r\n');
  assert.match(await c.until(/^c .*\r\n/m), /c NO \[COMPRESSIONACTIVE\]/);
  // 16 MiB of one byte in a line compresses to about 16 KiB.
  const bomb = Buffer.alloc(16 * 1024 * 1024, 0x41);
  assert.ok(zlib.deflateRawSync(bomb).length < 64 * 1024);
  c.send(Buffer.concat([Buffer.from('d NOOP '), bomb, Buffer.from('\r\n')]));
  assert.match(await c.until(/^d .*\r\n/m), /d BAD \[TOOBIG\] Line too long/);
  // Another session is served meanwhile, and this one afterwards.
  const other = await rawImap(srv.imapPort);
  assert.match(await other.cmd('CAPABILITY'), /OK/);
  other.close();
  c.send('e SELECT INBOX\r\n');
  assert.match(await c.until(/^e .*\r\n/m), /e OK/);
  c.send('f LOGOUT\r\n');
  assert.match(await c.until(/^f OK.*\r\n/m), /\* BYE/);
  c.sock.destroy();
});

test('corrupt compressed input ends that connection only', async () => {
  const c = await compressedClient(srv.imapPort);
  const closed = new Promise((r) => c.sock.once('close', r));
  c.sock.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x00, 0x13, 0x37]));
  await closed;
  const other = await rawImap(srv.imapPort);
  assert.match(await other.cmd('NOOP'), /OK/);
  other.close();
});
