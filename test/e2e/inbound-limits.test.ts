// Port 25 limits and temporary failures: connections per IP (421 4.7.0), size after the final dot
// (552 5.3.4, nothing stored), recipients per message (452 4.5.3), and a DNS timeout while
// verifying (451 4.7.x, nothing stored).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startDnsServer, type DnsFixture } from '../fixtures/dns-server.ts';
import { addUser, startInbound, storedMessages, type InboundFixture } from '../fixtures/inbound-postern.ts';
import { connectWire } from '../fixtures/smtp-wire.ts';

let dns: DnsFixture;
let mx: InboundFixture;

before(async () => {
  dns = await startDnsServer({ 'good.test': { TXT: ['v=spf1 ip4:127.0.0.1 -all'] }, 'slow.test': { TXT: ['v=spf1 ip4:127.0.0.1 -all'] } });
  dns.timeout.add('_dmarc.slow.test');
  mx = await startInbound(dns.server, { limits: { connections_per_ip: 2, message_size: 2000, recipients: 2 } });
  await addUser(mx.ctx.store, 'lim@postern.test');
});
after(async () => { await mx.stop(); await dns.close(); });

test('a third connection from one IP gets 421 4.7.0 and is closed', async () => {
  const a = await connectWire(mx.port);
  const b = await connectWire(mx.port);
  assert.match(await a.reply(), /^220 /);
  assert.match(await b.reply(), /^220 /);
  const c = await connectWire(mx.port);
  assert.match(await c.reply(), /^421 4\.7\.0 /);
  await c.closed;
  a.close(); b.close();
  await new Promise((r) => setTimeout(r, 200));
  const d = await connectWire(mx.port);
  assert.match(await d.reply(), /^220 /, 'slots are released when connections close');
  d.close();
});

async function session() {
  await new Promise((r) => setTimeout(r, 100));
  const w = await connectWire(mx.port);
  await w.reply();
  await w.cmd('EHLO client.example');
  return w;
}

test('a message over the size limit without SIZE= is refused after the dot with 552 5.3.4', async () => {
  const w = await session();
  await w.cmd('MAIL FROM:<a@good.test>');
  await w.cmd('RCPT TO:<lim@postern.test>');
  await w.cmd('DATA');
  w.write(`Subject: big\r\n\r\n${'y'.repeat(3000)}\r\n.\r\n`);
  assert.match(await w.reply(), /^552 5\.3\.4 /);
  assert.match(await w.cmd('NOOP'), /^250 /, 'the session goes on');
  w.close();
  assert.equal((await storedMessages(mx.ctx.store, 'lim@postern.test')).length, 0);
});

test('recipients beyond the limit get 452 4.5.3', async () => {
  const w = await session();
  await w.cmd('MAIL FROM:<a@good.test>');
  assert.match(await w.cmd('RCPT TO:<lim@postern.test>'), /^250 /);
  assert.match(await w.cmd('RCPT TO:<lim+a@postern.test>'), /^250 /);
  assert.match(await w.cmd('RCPT TO:<lim+b@postern.test>'), /^452 4\.5\.3 /);
  w.close();
});

test('a DNS timeout while verifying defers with 451 4.7.x and stores nothing', async () => {
  const w = await session();
  await w.cmd('MAIL FROM:<a@slow.test>');
  await w.cmd('RCPT TO:<lim@postern.test>');
  await w.cmd('DATA');
  w.write('From: <a@slow.test>\r\nSubject: slow\r\n\r\nx\r\n.\r\n');
  assert.match(await w.reply(10000), /^451 4\.7\.\d+ /);
  w.close();
  assert.equal((await storedMessages(mx.ctx.store, 'lim@postern.test')).length, 0);
});

test('two recipients resolving to one account store one copy; 250 only after it is stored', async () => {
  const w = await session();
  await w.cmd('MAIL FROM:<a@good.test>');
  await w.cmd('RCPT TO:<lim@postern.test>');
  await w.cmd('RCPT TO:<lim+tag@postern.test>');
  await w.cmd('DATA');
  w.write('From: <a@good.test>\r\nSubject: once\r\n\r\nx\r\n.\r\n');
  assert.match(await w.reply(), /^250 2\.6\.0 /);
  const stored = (await storedMessages(mx.ctx.store, 'lim@postern.test'));
  assert.equal(stored.filter((m) => m.bytes.includes('Subject: once')).length, 1);
  w.close();
});
