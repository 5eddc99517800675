// POP3 over real sockets with a bare client: exact bytes, the bad-input cases of issue 6, UPDATE
// semantics (DELE+QUIT expunges and publishes, a drop deletes nothing), [IN-USE], STLS pipelining.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPop3TestServer, type Pop3TestServer } from '../fixtures/pop3-server.ts';
import { RawPop3Client, unstuff } from '../fixtures/pop3-client.ts';
import type { MailboxChange } from '../../src/store/change-bus.ts';
import { sqliteStore } from '../fixtures/sqlite-only.ts';
import { serverMetrics } from '../../src/metrics/catalogue.ts';

let server: Pop3TestServer;
const uids: number[] = [];
const MESSAGES = [
  'From: a@example.org\r\nSubject: one\r\n\r\nline 1\r\n.starts with a dot\r\n..two dots\r\nlast\r\n',
  'From: b@example.org\r\nSubject: bare LF\n\nbody without CR\n.dot\nno final newline',
  'From: c@example.org\r\nSubject: three\r\n\r\n' + 'x'.repeat(70) + '\r\n',
];

before(async () => {
  server = await startPop3TestServer({ login: { max_failures: 3, lockout_s: 60 } });
  for (const m of MESSAGES) uids.push(await server.deliver(m, 'Received: from test by mail.example.test\r\n'));
});
after(() => server.stop());

async function login(options: { tls?: boolean; count?: number } = {}): Promise<RawPop3Client> {
  const c = await RawPop3Client.connect(options.tls ? server.pop3sPort : server.pop3Port, { tls: options.tls });
  assert.match(await c.line(), /^\+OK /);
  if (!options.tls) assert.equal(await c.startTls(), '+OK Begin TLS negotiation');
  assert.match(await c.command('USER alice@example.test'), /^\+OK/);
  assert.match(await c.command('PASS secret'), new RegExp(`^\\+OK Logged in, ${options.count ?? 3} messages`));
  return c;
}

test('RETR sends the stored bytes stuffed, LIST/STAT octets equal what RETR delivers', async () => {
  const c = await login();
  const listing = await c.command('LIST');
  assert.match(listing, /^\+OK 3 messages/);
  const sizes = (await c.body()).toString().split('\r\n').filter((l) => /^\d+ \d+$/.test(l)).map((l) => Number(l.split(' ')[1]));
  let total = 0;
  for (let i = 0; i < 3; i++) {
    const status = await c.command(`RETR ${i + 1}`);
    assert.equal(status, `+OK ${sizes[i]} octets`);
    const body = await c.body();
    const got = unstuff(body);
    assert.equal(got.length, sizes[i]);
    total += got.length;
    const stored = await server.stored(uids[i]!);
    if (i === 0) {
      assert.deepEqual(got, stored, 'a CRLF message is byte-identical to what was stored');
      assert.match(body.toString(), /\r\n\.\.starts with a dot\r\n\.\.\.two dots\r\n/);
    } else if (i === 1) {
      assert.equal(got.toString(), stored.toString().replace(/\r?\n/g, '\r\n') + '\r\n', 'bare LF becomes CRLF and a final CRLF is added');
    }
  }
  assert.equal(await c.command('STAT'), `+OK 3 ${total}`);
  assert.equal(await c.command('TOP 1 1'), '+OK Top of message follows');
  assert.equal((await c.body()).toString(), 'Received: from test by mail.example.test\r\nFrom: a@example.org\r\nSubject: one\r\n\r\nline 1\r\n.\r\n');
  assert.match(await c.command('QUIT'), /^\+OK .*\(0 messages deleted\)/);
  c.destroy();
});

test('UIDL is UIDVALIDITY.UID and the same on the next login', async () => {
  const read = async (): Promise<string> => {
    const c = await login({ tls: true });
    assert.match(await c.command('UIDL'), /^\+OK/);
    const body = (await c.body()).toString();
    await c.command('QUIT');
    return body;
  };
  const first = await read();
  assert.match(first, new RegExp(`^1 \\d+\\.${uids[0]}\\r\\n2 \\d+\\.${uids[1]}\\r\\n`));
  assert.equal(await read(), first);
});

test('bad input: unknown, wrong state, out of range, overlong line, deleted twice', async () => {
  const c = await RawPop3Client.connect(server.pop3Port);
  await c.line();
  assert.match(await c.command('XYZZY'), /^-ERR Unknown command/);
  assert.match(await c.command('RETR 1'), /^-ERR Not logged in/);
  assert.match(await c.command('USER alice@example.test'), /^-ERR \[AUTH\] /, 'plaintext refused before TLS');
  assert.match(await c.command('AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdABzZWNyZXQ='), /^-ERR \[AUTH\] /);
  c.send('NOOP ' + 'x'.repeat(5000) + '\r\n');
  assert.equal(await c.line(), '-ERR Line too long');
  assert.match(await c.command('CAPA'), /^\+OK/, 'the session goes on after an overlong line');
  const capa = (await c.body()).toString();
  assert.match(capa, /STLS/);
  assert.doesNotMatch(capa, /\r\nUSER\r\n/);
  c.destroy();

  const s = await login();
  for (const cmd of ['RETR 4', 'RETR 0', 'LIST 99', 'TOP 1', 'DELE x', 'USER bob']) assert.match(await s.command(cmd), /^-ERR \S/, cmd);
  assert.match(await s.command('DELE 1'), /^\+OK/);
  assert.match(await s.command('DELE 1'), /^-ERR Message already deleted/);
  assert.match(await s.command('RETR 1'), /^-ERR/);
  assert.match(await s.command('RSET'), /^\+OK 3/);
  s.destroy();
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(await server.inboxUids(), uids, 'a dropped connection deletes nothing');
});

test('AUTH PLAIN over TLS, with an initial response and with a continuation', async () => {
  const plain = Buffer.from('\0alice@example.test\0secret').toString('base64');
  const c = await RawPop3Client.connect(server.pop3sPort, { tls: true });
  await c.line();
  assert.match(await c.command(`AUTH PLAIN ${plain}`), /^\+OK Logged in/);
  await c.command('QUIT');
  const d = await RawPop3Client.connect(server.pop3sPort, { tls: true });
  await d.line();
  assert.equal(await d.command('AUTH PLAIN'), '+ ');
  assert.match(await d.command(plain), /^\+OK Logged in/);
  await d.command('QUIT');
});

test('pipelined commands (RFC 2449 PIPELINING) are answered in order', async () => {
  const c = await login();
  c.send('STAT\r\nLIST 2\r\nUIDL 1\r\nBOGUS\r\n' + 'NOOP\r\n'.repeat(300) + 'RETR 3\r\n');
  assert.match(await c.line(), /^\+OK 3 \d+$/);
  assert.match(await c.line(), /^\+OK 2 \d+$/);
  assert.match(await c.line(), /^\+OK 1 \d+\.\d+$/);
  assert.match(await c.line(), /^-ERR Unknown command/);
  for (let i = 0; i < 300; i++) assert.equal(await c.line(), '+OK');
  assert.match(await c.line(), /^\+OK \d+ octets$/);
  assert.match((await c.body()).toString(), /x{70}\r\n\.\r\n$/);
  await c.command('QUIT');
});

test('a second session on the same maildrop gets [IN-USE]; the lock goes with the first', async () => {
  const a = await login();
  const b = await RawPop3Client.connect(server.pop3sPort, { tls: true });
  await b.line();
  await b.command('USER alice@example.test');
  assert.match(await b.command('PASS secret'), /^-ERR \[IN-USE\] /);
  a.destroy();
  // The server notices the drop asynchronously; under load that can take a moment.
  let reply = '';
  for (let i = 0; i < 50 && !reply.startsWith('+OK'); i++) {
    await new Promise((r) => setTimeout(r, 20));
    await b.command('USER alice@example.test');
    reply = await b.command('PASS secret');
    assert.match(reply, /^(\+OK Logged in|-ERR \[IN-USE\])/);
  }
  assert.match(reply, /^\+OK Logged in/);
  await b.command('QUIT');
});

test('commands pipelined after STLS are discarded (RFC 2595 §4)', async () => {
  const c = await RawPop3Client.connect(server.pop3Port);
  await c.line();
  c.send('CAPA\r\n');
  assert.match(await c.line(), /^\+OK/);
  await c.body();
  // STLS and a USER in the same packet: the USER was sent in the clear and must not count.
  c.send('STLS\r\nUSER alice@example.test\r\n');
  const reply = await c.line();
  assert.equal(reply, '+OK Begin TLS negotiation');
  c.socket.removeAllListeners('data');
  const tls = await import('node:tls');
  const secure = tls.connect({ socket: c.socket, rejectUnauthorized: false });
  await new Promise<void>((resolve, reject) => { secure.once('secureConnect', () => resolve()); secure.once('error', reject); });
  const lines: string[] = [];
  const first = new Promise<void>((resolve) => secure.on('data', (d: Buffer) => {
    lines.push(...d.toString().split('\r\n').filter(Boolean));
    resolve();
  }));
  secure.write('PASS secret\r\n');
  await first;
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(lines, ['-ERR Send USER first']);
  secure.destroy();
});

test('DELE then QUIT expunges atomically and publishes the expunge on the change bus', async () => {
  const seen: MailboxChange[] = [];
  const unsubscribe = server.store.bus.subscribe(server.accountId, (ch) => seen.push(ch));
  const c = await RawPop3Client.connect(server.pop3sPort, { tls: true });
  await c.line();
  await c.command('USER alice@example.test');
  await c.command('PASS secret');
  const fresh = await server.deliver('Subject: arrived during the session\r\n\r\nhi\r\n');
  assert.match(await c.command('STAT'), /^\+OK 3 /, 'the maildrop is the snapshot taken at login');
  assert.match(await c.command('DELE 1'), /^\+OK/);
  assert.match(await c.command('DELE 3'), /^\+OK/);
  assert.match(await c.command('QUIT'), /^\+OK .*\(2 messages deleted\)/);
  await c.waitClosed();
  unsubscribe();
  assert.deepEqual(await server.inboxUids(), [uids[1], fresh]);
  const expunge = seen.find((ch) => ch.kind === 'expunge');
  assert.deepEqual(expunge?.uids, [uids[0], uids[2]]);
  assert.ok(serverMetrics(server.ctx.metrics).connections.value({ protocol: 'pop3' }) > 0);
});

test('when the store cannot write at QUIT: -ERR [SYS/TEMP], nothing deleted, the next session sees all', async () => {
  const before = await server.inboxUids();
  const fresh = await server.deliver('Subject: new, size not yet recorded\r\n\r\nx\r\n');
  // query_only makes every write fail as a full disk or a read-only database would. It starts after
  // the login, which writes too (the maildrop lock is a lease in the store); the lock whose release
  // failed at QUIT is released again before the next login takes one.
  const c = await login({ tls: true, count: before.length + 1 });
  sqliteStore(server.store).db.pragma('query_only = ON');
  try {
    assert.match(await c.command('DELE 1'), /^\+OK/);
    assert.match(await c.command('QUIT'), /^-ERR \[SYS\/TEMP\] Some deleted messages not removed/);
    await c.waitClosed();
  } finally {
    sqliteStore(server.store).db.pragma('query_only = OFF');
  }
  assert.deepEqual(await server.inboxUids(), [...before, fresh]);
  const next = await login({ tls: true, count: before.length + 1 });
  assert.match(await next.command('QUIT'), /^\+OK/);
  await next.waitClosed();
});

// Last: the lockout is per IP too, so it would refuse every later login from 127.0.0.1.
test('failed logins are throttled through the shared LoginThrottle', async () => {
  const c = await RawPop3Client.connect(server.pop3sPort, { tls: true });
  await c.line();
  for (let i = 0; i < 3; i++) {
    await c.command('USER mallory@example.test');
    assert.match(await c.command('PASS wrong'), /^-ERR \[AUTH\] Authentication failed/);
  }
  await c.command('USER mallory@example.test');
  assert.match(await c.command('PASS wrong'), /^-ERR \[SYS\/TEMP\] Too many failed logins/);
  assert.equal(serverMetrics(server.ctx.metrics).authFailures.value({ protocol: 'pop3' }), 4);
  c.destroy();
});
