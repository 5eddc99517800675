// Our own failures over real SMTP sockets (issue 10, item 3): a database error at any stage, on
// port 25 and on submission, is answered `451 4.3.0` with a generic text; the detail (here the
// SQLite message) appears only in the log, never in the reply, and never as a 5xx.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startDnsServer, type DnsFixture } from '../fixtures/dns-server.ts';
import { addUser, startInbound, type InboundFixture } from '../fixtures/inbound-postern.ts';
import { startPosternInstance, type PosternInstance } from '../fixtures/postern-instance.ts';
import { connectWire, type Wire } from '../fixtures/smtp-wire.ts';

const BUSY = () => Object.assign(new Error('SQLITE_BUSY: database is locked (internal detail)'), { code: 'SQLITE_BUSY' });

/** Makes `obj[method]` reject with a database error until the returned function restores it. */
function fault<T extends object>(obj: T, method: keyof T & string): () => void {
  const original = obj[method];
  (obj as Record<string, unknown>)[method] = async () => { throw BUSY(); };
  return () => { (obj as Record<string, unknown>)[method] = original; };
}

function assertOurFailure(reply: string, stage: string): void {
  assert.match(reply, /^451 4\.3\.0 /, `${stage}: ${reply}`);
  assert.doesNotMatch(reply, /SQLITE|locked|internal/i, `${stage} leaks the cause: ${reply}`);
}

let dns: DnsFixture;
let mx: InboundFixture;
let pi: PosternInstance;

before(async () => {
  dns = await startDnsServer({});
  mx = await startInbound(dns.server);
  await addUser(mx.ctx.store, 'alice@postern.test');
  pi = await startPosternInstance(dns, { submission: { allow_plaintext_loopback: true } });
  await pi.addDomain('example.test');
  await pi.addUser('alice@example.test', 'alice-secret');
});
after(async () => { await mx.stop(); await pi.stop(); await dns.close(); });

test('port 25: a database error at RCPT and at the final dot is 451 4.3.0, generic', async () => {
  const wire = await connectWire(mx.port);
  await wire.reply();
  await wire.cmd('EHLO client.test');
  await wire.cmd('MAIL FROM:<x@remote.test>');
  let restore = fault(mx.ctx.store.domains, 'isLocal');
  assertOurFailure(await wire.cmd('RCPT TO:<alice@postern.test>'), 'RCPT');
  restore();
  assert.match(await wire.cmd('RCPT TO:<alice@postern.test>'), /^250/);
  assert.match(await wire.cmd('DATA'), /^354/);
  restore = fault(mx.ctx.store, 'storeMessage');
  wire.write('From: <x@remote.test>\r\nSubject: t\r\n\r\nhello\r\n.\r\n');
  assertOurFailure(await wire.reply(), 'DATA');
  restore();
  assert.match(await wire.cmd('NOOP'), /^250/, 'the session goes on');
  wire.close();
});

async function submissionSession(): Promise<Wire> {
  const wire = await connectWire(pi.submissionPort);
  await wire.reply();
  await wire.cmd('EHLO client.test');
  return wire;
}
const PLAIN = Buffer.from('\0alice@example.test\0alice-secret').toString('base64');

test('submission: a database error at AUTH, MAIL, RCPT and DATA is 451 4.3.0, generic', async () => {
  let wire = await submissionSession();
  let restore = fault(pi.ctx.store.accounts, 'byAddress');
  assertOurFailure(await wire.cmd(`AUTH PLAIN ${PLAIN}`), 'AUTH');
  restore();
  wire.close();

  wire = await submissionSession();
  assert.match(await wire.cmd(`AUTH PLAIN ${PLAIN}`), /^235/);
  restore = fault(pi.ctx.store.aliases, 'targets');
  assertOurFailure(await wire.cmd('MAIL FROM:<alice@example.test>'), 'MAIL');
  restore();
  assert.match(await wire.cmd('MAIL FROM:<alice@example.test>'), /^250/);
  restore = fault(pi.ctx.store.domains, 'isLocal');
  assertOurFailure(await wire.cmd('RCPT TO:<bob@remote.test>'), 'RCPT');
  restore();
  assert.match(await wire.cmd('RCPT TO:<bob@remote.test>'), /^250/);
  assert.match(await wire.cmd('DATA'), /^354/);
  restore = fault(pi.ctx.store.queue, 'accept');
  wire.write('From: alice@example.test\r\nTo: bob@remote.test\r\nSubject: t\r\n\r\nhello\r\n.\r\n');
  assertOurFailure(await wire.reply(), 'DATA');
  restore();
  wire.close();
});
