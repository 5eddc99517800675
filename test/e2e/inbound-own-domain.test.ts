// Port 25 and our own domains (issue 10, item 8): mail whose From: is one of our domains goes to
// Junk unless it authenticated as that domain (aligned SPF or DKIM pass), whatever DMARC record is
// published (here p=none); by config it is refused instead.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startDnsServer, type DnsFixture } from '../fixtures/dns-server.ts';
import { addUser, startInbound, storedMessages, type InboundFixture } from '../fixtures/inbound-postern.ts';
import { connectWire } from '../fixtures/smtp-wire.ts';

let dns: DnsFixture;

before(async () => {
  dns = await startDnsServer({
    '_dmarc.postern.test': { TXT: ['v=DMARC1; p=none'] },
    // SPF authorises loopback for one subdomain only: its mail is aligned (relaxed) with postern.test.
    'relay.postern.test': { TXT: ['v=spf1 ip4:127.0.0.1 -all'] },
  });
});
after(async () => { await dns.close(); });

async function send(mx: InboundFixture, mailFrom: string, from: string, subject: string): Promise<string> {
  const wire = await connectWire(mx.port);
  await wire.reply();
  await wire.cmd('EHLO client.test');
  await wire.cmd(`MAIL FROM:<${mailFrom}>`);
  await wire.cmd('RCPT TO:<alice@postern.test>');
  await wire.cmd('DATA');
  wire.write(`From: ${from}\r\nTo: alice@postern.test\r\nSubject: ${subject}\r\nMessage-ID: <${subject}@x>\r\n\r\nhello\r\n.\r\n`);
  const reply = await wire.reply();
  wire.close();
  return reply;
}

const mailboxOf = async (mx: InboundFixture, subject: string) => (await storedMessages(mx.ctx.store, 'alice@postern.test')).find((m) => m.bytes.includes(`Subject: ${subject}`))?.mailbox;

test('From: our domain without aligned authentication goes to Junk despite p=none; aligned SPF goes to INBOX', async (t) => {
  const mx = await startInbound(dns.server);
  t.after(() => mx.stop());
  await addUser(mx.ctx.store, 'alice@postern.test');
  assert.match(await send(mx, 'attacker@remote.test', 'CEO <ceo@postern.test>', 'forged'), /^250/);
  assert.equal(await mailboxOf(mx, 'forged'), 'Junk');
  assert.match(await send(mx, 'x@relay.postern.test', 'ceo@postern.test', 'aligned'), /^250/);
  assert.equal(await mailboxOf(mx, 'aligned'), 'INBOX');
  assert.match(await send(mx, 'attacker@remote.test', 'someone@remote.test', 'foreign'), /^250/);
  assert.equal(await mailboxOf(mx, 'foreign'), 'INBOX', 'mail from other domains is not affected');
});

test('own_domain_unauthenticated = "reject": refused with 550 5.7.1, nothing stored', async (t) => {
  const mx = await startInbound(dns.server, { inbound: { own_domain_unauthenticated: 'reject' } });
  t.after(() => mx.stop());
  await addUser(mx.ctx.store, 'alice@postern.test');
  assert.match(await send(mx, 'attacker@remote.test', 'ceo@POSTERN.test', 'forged'), /^550 5\.7\.1 /);
  assert.equal((await storedMessages(mx.ctx.store, 'alice@postern.test')).length, 0);
});
