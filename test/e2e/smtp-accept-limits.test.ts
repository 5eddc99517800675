// SMTP connection limits at accept (issue 10, item 6, for SMTP): 25, 587 and 465 count a connection
// with the shared limiter when the TCP connection arrives, before any SMTP byte and, on 465, before
// the TLS handshake; so sockets that never finish a handshake take their slots like any other. Real
// loopback sockets against the in-process listeners; every refusal is checked byte for byte.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { validateConfig } from '../../src/config/load.ts';
import { buildContext } from '../../src/cli/serve.ts';
import { createLogger } from '../../src/log.ts';
import { startInboundSmtp } from '../../src/smtp/inbound-server.ts';
import { startSubmission, startSubmissions } from '../../src/smtp/submission-server.ts';
import type { RunningListener, ServerContext } from '../../src/server-context.ts';

let dataDir: string;
let ctx: ServerContext;
const listeners: Record<string, RunningListener> = {};

before(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-accept-'));
  const config = validateConfig({ hostname: 'mx.postern.test', data_dir: dataDir, limits: { connections_per_ip: 2 } }, null);
  ctx = await buildContext(config, createLogger('silent', false));
  const at = { host: '127.0.0.1', port: 0 };
  listeners.smtp = await startInboundSmtp(ctx, at);
  listeners.submission = await startSubmission(ctx, at);
  listeners.submissions = await startSubmissions(ctx, at);
});
after(async () => {
  for (const l of Object.values(listeners)) await l.close();
  await ctx.store.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

interface Raw { socket: net.Socket; received(): Buffer; closed: Promise<void> }

/** A TCP connection that sends nothing and records every byte it receives. */
async function raw(port: number): Promise<Raw> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, received: () => Buffer.concat(chunks), closed };
}

const until = async (what: () => boolean) => { while (!what()) await new Promise((r) => setTimeout(r, 10)); };

for (const name of ['smtp', 'submission'] as const) {
  test(`${name}: the third connection from one address gets exactly one 421 line and is closed`, async () => {
    const port = listeners[name]!.port;
    const a = await raw(port);
    const b = await raw(port);
    await until(() => a.received().length > 0 && b.received().length > 0);
    assert.match(a.received().toString('latin1'), /^220 mx\.postern\.test ESMTP /);
    const c = await raw(port);
    await c.closed;
    assert.equal(c.received().toString('latin1'), '421 4.7.0 Too many connections from your address, try again later\r\n');
    a.socket.destroy();
    await a.closed;
    const d = await raw(port);
    await until(() => d.received().length > 0 || d.socket.destroyed);
    assert.match(d.received().toString('latin1'), /^220 /, 'a closed connection gives its slot back');
    b.socket.destroy(); d.socket.destroy();
    await Promise.all([b.closed, d.closed]);
  });
}

test('465: two silent sockets (handshakes never started) fill the per-IP limit; the third is closed before any TLS byte', async () => {
  const port = listeners.submissions!.port;
  const a = await raw(port);
  const b = await raw(port);
  // The half-open TLS handshake of a flood: a partial ClientHello record header and nothing more.
  b.socket.write(Buffer.from([0x16, 0x03, 0x01]));
  // A real client's ClientHello on the third: closed at accept, so no handshake and no greeting.
  const third = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false });
  const outcome = await new Promise<string>((resolve) => {
    third.once('secureConnect', () => resolve('handshake completed'));
    third.once('error', () => resolve('refused'));
    third.once('close', () => resolve('refused'));
  });
  third.destroy();
  assert.equal(outcome, 'refused', 'the per-IP limit binds before the TLS handshake');
  assert.equal(a.received().length, 0, 'nothing is sent to a socket that has not started its handshake');
  a.socket.destroy(); b.socket.destroy();
  await Promise.all([a.closed, b.closed]);
  // With the slots free a real TLS client is served (the server sees the two closes a moment later).
  const greet = () => new Promise<string>((resolve) => {
    const secure = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false });
    secure.once('data', (d: Buffer) => { resolve(d.toString('latin1')); secure.destroy(); });
    secure.once('error', () => resolve(''));
    secure.once('close', () => resolve(''));
  });
  let greeting = '';
  for (let i = 0; i < 50 && greeting === ''; i++) greeting = await greet();
  assert.match(greeting, /^220 mx\.postern\.test ESMTP Postern submission\r\n$/);
});
