// The contract between src/smtp/engine.ts and smtp-server: what the engine's workarounds rely on,
// checked against the installed package. When an smtp-server upgrade fails this test, read what
// changed in the named functions, adapt engine.ts (or drop a workaround the new version makes
// unnecessary), then update the pinned version and the fingerprints here.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import { createRequire } from 'node:module';
import { SMTPServer } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import { SmtpEngine, type EngineReply } from '../../../src/smtp/engine.ts';
import { connectWire } from '../../fixtures/smtp-wire.ts';

const require = createRequire(import.meta.url);
const PINNED = '3.21.6';

test('smtp-server is pinned to one exact version, and that version is installed', () => {
  const ours = JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> };
  assert.equal(ours.dependencies['smtp-server'], PINNED, 'package.json must name an exact version, not a range');
  assert.equal((require('smtp-server/package.json') as { version: string }).version, PINNED);
});

// sha256 (first 16 hex digits) of the source of each function a workaround depends on.
const FINGERPRINTS: [string, () => unknown, string][] = [
  // Workaround 2 copies connect()'s body and replaces init()'s delayed connectionReady() by a direct call.
  ['SMTPServer.prototype.connect', () => SMTPServer.prototype.connect, '9818ea13a1c36459'],
  ['SMTPConnection.prototype.init', () => SMTPConnection.prototype.init, '1265a7d7ca8f5510'],
  ['SMTPConnection.prototype.connectionReady', () => SMTPConnection.prototype.connectionReady, '361a2b1de88fbf67'],
  ['SMTPConnection.prototype._setListeners', () => SMTPConnection.prototype._setListeners, 'cf07ab6f47db09ac'],
  // Workaround 1 wraps send(code, data, context); context false means "no enhanced code".
  ['SMTPConnection.prototype.send', () => SMTPConnection.prototype.send, 'c33568c0111a58b2'],
  // Workaround 3: the parser's error text, and the command name as context of "not recognized".
  ['SMTPConnection.prototype._createParser', () => SMTPConnection.prototype._createParser, '15ca8c360137e06a'],
  ['SMTPConnection.prototype._onCommand', () => SMTPConnection.prototype._onCommand, '41c8a1b7a32aa314'],
];

test('the smtp-server functions the engine relies on are the ones it was written against', () => {
  for (const [name, get, expected] of FINGERPRINTS) {
    const fn = get();
    assert.equal(typeof fn, 'function', `${name} is gone`);
    const actual = crypto.createHash('sha256').update(String(fn)).digest('hex').slice(0, 16);
    assert.equal(actual, expected, `${name} changed: review src/smtp/engine.ts against it`);
  }
});

// The same workarounds, observed over real loopback sockets.
const seen: EngineReply[] = [];
const addresses: string[] = [];
let engine: SmtpEngine;
let server: net.Server;
let port: number;

before(async () => {
  engine = new SmtpEngine({
    name: 'mx.contract.test', disableReverseLookup: true, logger: false, hideENHANCEDSTATUSCODES: false, maxCommandLength: 100,
    onConnect(session, callback) {
      addresses.push(session.remoteAddress);
      if (session.remoteAddress === '192.0.2.7') session.disabledCommands = ['AUTH'];
      callback();
    },
    onMailFrom(_from, _session, callback) { callback(Object.assign(new Error('5.7.1 Refused by policy'), { responseCode: 554 })); },
  }, {
    greetAtOnce: true,
    replies: (reply) => {
      seen.push(reply);
      if (reply.cause === 'command-too-long') return { code: 500, data: 'line too long', context: false, close: true };
      if (reply.cause === 'command-disabled') return { code: 530, data: 'disabled here', context: false };
      if (typeof reply.data === 'string' && /^[245]\.\d\.\d /.test(reply.data)) return { code: reply.code, data: reply.data, context: false };
      return null;
    },
  });
  server = net.createServer((socket) => engine.serve(socket, { address: '192.0.2.7', port: 4242 }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});
after(async () => {
  engine.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

test('greetAtOnce: greeted without init()\'s early-talker wait, so a command sent at once is answered, not refused', async () => {
  const wire = await connectWire(port);
  // Through init() this NOOP would arrive inside its 100 ms wait and get "421 You talk too soon".
  wire.write('NOOP\r\n');
  assert.equal(await wire.reply(), '220 mx.contract.test ESMTP');
  assert.equal(await wire.reply(), '250 2.0.0 OK');
  wire.close();
});

test('the client address given to serve() is the session\'s remoteAddress (what a PROXY header names)', async () => {
  addresses.length = 0;
  const wire = await connectWire(port);
  await wire.reply();
  assert.deepEqual(addresses, ['192.0.2.7']);
  // session.disabledCommands was set in onConnect for 192.0.2.7 only: EHLO does not offer AUTH.
  assert.doesNotMatch(await wire.cmd('EHLO client.test'), /AUTH/);
  wire.close();
});

test('replies reach the policy with smtp-server\'s code and context; "send as is" suppresses its enhanced code', async () => {
  const wire = await connectWire(port);
  await wire.reply();
  await wire.cmd('EHLO client.test');
  assert.equal(await wire.cmd('MAIL FROM:<a@b.test>'), '554 5.7.1 Refused by policy');
  assert.match(await wire.cmd('NOOP'), /^250 2\.0\.0 /, 'smtp-server adds its own code where the policy does not object');
  wire.close();
});

test('a disabled command reaches the policy as cause command-disabled with the command as context', async () => {
  seen.length = 0;
  const wire = await connectWire(port);
  await wire.reply();
  await wire.cmd('EHLO client.test');
  assert.equal(await wire.cmd('AUTH PLAIN AGEAYg=='), '530 disabled here');
  assert.ok(seen.some((r) => r.cause === 'command-disabled' && r.context === 'AUTH' && r.code === 500));
  wire.close();
});

test('an over-long command line reaches the policy as cause command-too-long; close ends the session', async () => {
  const wire = await connectWire(port);
  await wire.reply();
  wire.write(`NOOP ${'x'.repeat(200)}\r\n`);
  assert.equal(await wire.reply(), '500 line too long');
  await wire.closed;
});

test('session(id) reaches a running session: what the deadlines send is sent, and close closes', async () => {
  let id = '';
  const probe = net.createServer((socket) => { id = engine.serve(socket, { address: '198.51.100.1', port: 1 }) ?? ''; });
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const wire = await connectWire((probe.address() as net.AddressInfo).port);
  await wire.reply();
  const session = engine.session(id);
  assert.ok(session, 'the session is found by its id');
  session.send(421, '4.4.2 Deadline');
  assert.equal(await wire.reply(), '421 4.4.2 Deadline');
  await wire.closed;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});

test('replies sent in one turn of the event loop leave in one write; the greeting is not held back', async () => {
  let writes = 0;
  const probe = net.createServer((socket) => {
    // Each _write/_writev call is one write to the kernel: count them on the server's end.
    const count = (name: '_write' | '_writev') => {
      const original = (socket as unknown as Record<string, (...a: unknown[]) => unknown>)[name]!;
      (socket as unknown as Record<string, unknown>)[name] = (...a: unknown[]) => { writes++; return original.apply(socket, a); };
    };
    count('_write');
    count('_writev');
    engine.serve(socket, { address: '198.51.100.2', port: 2 });
  });
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const wire = await connectWire((probe.address() as net.AddressInfo).port);
  assert.equal(await wire.reply(), '220 mx.contract.test ESMTP', 'the greeting is flushed without waiting for more');
  assert.equal(writes, 1);
  // RFC 2920: a pipelined group; smtp-server answers each command in the same turn.
  wire.write('NOOP\r\nNOOP\r\nRSET\r\n');
  assert.match(await wire.reply(), /^250 /);
  assert.match(await wire.reply(), /^250 /);
  assert.match(await wire.reply(), /^250 /);
  assert.equal(writes, 2, 'three replies, one write');
  assert.match(await wire.cmd('QUIT'), /^221 /);
  await wire.closed;
  assert.equal(writes, 3, 'what was corked went out before the FIN');
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});

test('session ids are 16 base-32 digits (80 random bits), each one new', async () => {
  const ids: string[] = [];
  const probe = net.createServer((socket) => { ids.push(engine.serve(socket, { address: '198.51.100.3', port: 3 }) ?? ''); });
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  for (let i = 0; i < 5; i++) {
    const wire = await connectWire((probe.address() as net.AddressInfo).port);
    await wire.reply();
    wire.close();
  }
  assert.equal(ids.length, 5);
  for (const id of ids) assert.match(id, /^[0-9a-v]{16}$/);
  assert.equal(new Set(ids).size, 5);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});
