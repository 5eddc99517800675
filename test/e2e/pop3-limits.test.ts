// POP3 limits over real sockets: the autologout timer (RFC 1939 §3) ends a session without
// entering UPDATE, and connections beyond [limits] connections_per_ip are refused with [SYS/TEMP].
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPop3TestServer, type Pop3TestServer } from '../fixtures/pop3-server.ts';
import { RawPop3Client } from '../fixtures/pop3-client.ts';

let server: Pop3TestServer;

before(async () => {
  server = await startPop3TestServer({ limits: { idle_timeout_s: 3, connections_per_ip: 2 } });
  await server.deliver('Subject: keep me\r\n\r\nbody\r\n');
});
after(() => server.stop());

test('an idle session is logged out and its DELE marks are not applied', async () => {
  const c = await RawPop3Client.connect(server.pop3sPort, { tls: true });
  await c.line();
  await c.command('USER alice@example.test');
  assert.match(await c.command('PASS secret'), /^\+OK/);
  assert.match(await c.command('DELE 1'), /^\+OK/);
  assert.match(await c.line(), /^-ERR Autologout/);
  await c.waitClosed();
  assert.equal((await server.inboxUids()).length, 1);
});

test('connections beyond connections_per_ip get -ERR [SYS/TEMP]', async () => {
  const a = await RawPop3Client.connect(server.pop3Port);
  const b = await RawPop3Client.connect(server.pop3Port);
  assert.match(await a.line(), /^\+OK/);
  assert.match(await b.line(), /^\+OK/);
  const c = await RawPop3Client.connect(server.pop3Port);
  assert.match(await c.line(), /^-ERR \[SYS\/TEMP\] Too many connections/);
  await c.waitClosed();
  a.destroy();
  await a.waitClosed();
  // The server frees the slot when it notices the close; retry briefly rather than guess a delay.
  let greeting = '';
  for (let i = 0; i < 50 && !greeting.startsWith('+OK'); i++) {
    await new Promise((r) => setTimeout(r, 20));
    const d = await RawPop3Client.connect(server.pop3Port);
    greeting = await d.line();
    d.destroy();
  }
  assert.match(greeting, /^\+OK/, 'a slot frees when a session ends');
  b.destroy();
});
