// Who may send as whom on submission (issue 10, item 8), over real sockets: the account's address,
// its +tags and aliases naming the user explicitly, never the catch-all; a From: with an
// address-looking display name the user does not own, or with several mailboxes, is refused.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startDnsServer, type DnsFixture } from '../fixtures/dns-server.ts';
import { startPosternInstance, type PosternInstance } from '../fixtures/postern-instance.ts';
import { connectWire, type Wire } from '../fixtures/smtp-wire.ts';

let dns: DnsFixture;
let pi: PosternInstance;

before(async () => {
  dns = await startDnsServer({});
  pi = await startPosternInstance(dns, { submission: { allow_plaintext_loopback: true } });
  const domain = await pi.addDomain('example.test');
  await pi.addUser('alice@example.test', 'alice-secret');
  await pi.addUser('bob@example.test', 'bob-secret');
  await pi.ctx.store.aliases.add(domain, '@example.test', ['alice@example.test']);
  await pi.ctx.store.aliases.add(domain, 'sales@example.test', ['alice@example.test', 'bob@example.test']);
  await pi.ctx.store.aliases.add(domain, 'ops@example.test', ['bob@example.test']);
});
after(async () => { await pi.stop(); await dns.close(); });

async function aliceSession(): Promise<Wire> {
  const wire = await connectWire(pi.submissionPort);
  await wire.reply();
  await wire.cmd('EHLO client.test');
  assert.match(await wire.cmd(`AUTH PLAIN ${Buffer.from('\0alice@example.test\0alice-secret').toString('base64')}`), /^235/);
  return wire;
}

test('MAIL FROM: own address, +tag and explicit alias yes; catch-all, another user and their alias no', async () => {
  const wire = await aliceSession();
  const mailFrom = async (a: string) => { const r = await wire.cmd(`MAIL FROM:<${a}>`); await wire.cmd('RSET'); return r; };
  for (const a of ['alice@example.test', 'Alice+lists@EXAMPLE.test', 'sales@example.test']) assert.match(await mailFrom(a), /^250/, a);
  for (const a of ['ceo@example.test', 'nobody+x@example.test', 'bob@example.test', 'ops@example.test', 'alice@elsewhere.test']) {
    assert.match(await mailFrom(a), /^553 5\.7\.1 /, a);
  }
  wire.close();
});

test('From: a catch-all address, a spoofing display name, several mailboxes: refused at the final dot', async () => {
  const wire = await aliceSession();
  const send = async (from: string) => {
    await wire.cmd('MAIL FROM:<alice@example.test>');
    await wire.cmd('RCPT TO:<bob@example.test>');
    await wire.cmd('DATA');
    wire.write(`From: ${from}\r\nTo: bob@example.test\r\nSubject: s\r\n\r\nhi\r\n.\r\n`);
    return wire.reply();
  };
  assert.match(await send('ceo@example.test'), /^553 5\.7\.1 From: header/);
  assert.match(await send('ceo@bank.example <alice@example.test>'), /^553 5\.7\.1 From: display name/);
  assert.match(await send('alice@example.test, ceo@bank.example'), /^550 5\.7\.1 /);
  assert.match(await send('"Alice" <alice+x@example.test>'), /^250/);
  wire.close();
});
