// Pop3Session over an in-memory stream pair (no sockets): the loopback plaintext policy, a whole
// USER/PASS → LIST → RETR → DELE → QUIT conversation, and the UPDATE it ends with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { duplexPair } from 'node:stream';
import { startPop3TestServer } from '../fixtures/pop3-server.ts';
import { Pop3Session } from '../../src/pop3/session.ts';
import { MaildropLocks } from '../../src/pop3/maildrop-locks.ts';

function converse(client: import('node:stream').Duplex) {
  let buffer = '';
  const waiters: (() => void)[] = [];
  client.on('data', (d: Buffer) => {
    buffer += d.toString('latin1');
    for (const w of waiters.splice(0)) w();
  });
  return async (send: string | null, until: RegExp): Promise<string> => {
    if (send !== null) client.write(send + '\r\n');
    for (;;) {
      const m = until.exec(buffer);
      if (m) {
        const reply = buffer.slice(0, m.index + m[0].length);
        buffer = buffer.slice(m.index + m[0].length);
        return reply;
      }
      await new Promise<void>((r) => waiters.push(r));
    }
  };
}

test('a whole session over an in-memory stream, loopback plaintext allowed by config', async (t) => {
  const server = await startPop3TestServer({ pop3: { allow_plaintext_loopback: true } });
  t.after(() => server.stop());
  const uid = await server.deliver('Subject: s\r\n\r\n.dot\r\n');
  const [client, serverSide] = duplexPair();
  const session = new Pop3Session(serverSide, { ctx: server.ctx, remoteAddress: '127.0.0.1', tls: false, tlsAvailable: true, locks: new MaildropLocks(server.store.shared) });
  const ended = session.run();
  const say = converse(client);
  assert.match(await say(null, /\r\n/), /^\+OK Postern POP3 server ready/);
  assert.match(await say('CAPA', /\r\n\.\r\n/), /\r\nSTLS\r\nUSER\r\nSASL PLAIN\r\n/);
  assert.match(await say('USER alice@example.test', /\r\n/), /^\+OK/);
  assert.match(await say('PASS secret', /\r\n/), /^\+OK Logged in, 1 messages/);
  assert.equal(await say('LIST', /\r\n\.\r\n/), '+OK 1 messages (20 octets)\r\n1 20\r\n.\r\n');
  assert.equal(await say('RETR 1', /\r\n\.\r\n/), '+OK 20 octets\r\nSubject: s\r\n\r\n..dot\r\n.\r\n');
  assert.match(await say('DELE 1', /\r\n/), /^\+OK/);
  assert.match(await say('QUIT', /\r\n/), /^\+OK .*\(1 messages deleted\)/);
  await ended;
  assert.deepEqual(await server.inboxUids(), []);
  assert.ok(uid > 0);
});

test('from a non-loopback address plaintext login is refused even when the loopback exception is on', async (t) => {
  const server = await startPop3TestServer({ pop3: { allow_plaintext_loopback: true } });
  t.after(() => server.stop());
  const [client, serverSide] = duplexPair();
  const session = new Pop3Session(serverSide, { ctx: server.ctx, remoteAddress: '192.0.2.7', tls: false, tlsAvailable: true, locks: new MaildropLocks(server.store.shared) });
  const ended = session.run();
  const say = converse(client);
  await say(null, /\r\n/);
  assert.doesNotMatch(await say('CAPA', /\r\n\.\r\n/), /USER|SASL/);
  assert.match(await say('USER alice@example.test', /\r\n/), /^-ERR \[AUTH\] /);
  assert.match(await say('QUIT', /\r\n/), /^\+OK/);
  await ended;
});

test('a client not logged in by the deadline is disconnected, however busy it keeps (issue 10)', async (t) => {
  const server = await startPop3TestServer({ pop3: { allow_plaintext_loopback: true } });
  t.after(() => server.stop());
  const [client, serverSide] = duplexPair();
  const session = new Pop3Session(serverSide, { ctx: server.ctx, remoteAddress: '127.0.0.1', tls: false, tlsAvailable: true, locks: new MaildropLocks(server.store.shared), preauthDeadlineSeconds: 0.5 });
  const ended = session.run();
  const say = converse(client);
  assert.match(await say(null, /\r\n/), /^\+OK/);
  const noops = setInterval(() => client.write('CAPA\r\n'), 100);
  t.after(() => clearInterval(noops));
  assert.match(await say(null, /-ERR Login time exceeded\r\n/), /-ERR Login time exceeded/);
  await ended;
  clearInterval(noops);
});
