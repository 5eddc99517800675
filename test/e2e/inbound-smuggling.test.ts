// SMTP smuggling over a raw socket, byte for byte: only <CR><LF>.<CR><LF> ends DATA. Every other
// "end of data" look-alike either stays content of the one message (stored with CRLF only) or the
// message is refused with 5xx; the commands hidden behind it are never executed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startDnsServer, type DnsFixture } from '../fixtures/dns-server.ts';
import { addUser, startInbound, storedMessages, type InboundFixture } from '../fixtures/inbound-postern.ts';
import { connectWire } from '../fixtures/smtp-wire.ts';

let dns: DnsFixture;
let mx: InboundFixture;

before(async () => {
  dns = await startDnsServer({ 'good.test': { TXT: ['v=spf1 ip4:127.0.0.1 -all'] } });
  mx = await startInbound(dns.server);
  await addUser(mx.ctx.store, 'smuggle@postern.test');
});
after(async () => { await mx.stop(); await dns.close(); });

const VARIANTS: [string, string, 'content' | 'refused'][] = [
  ['LF.LF', '\n.\n', 'content'],
  ['CR.CR', '\r.\r', 'refused'],
  ['LF.CRLF', '\n.\r\n', 'content'],
  ['CRLF.LF', '\r\n.\n', 'content'],
  ['CRLF.CR', '\r\n.\r', 'refused'],
  ['CR.CRLF', '\r.\r\n', 'refused'],
  ['bare LF lines', '\nplain\n', 'content'],
];

/** No CR without LF after it and no LF without CR before it. */
function crlfOnly(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0d && bytes[i + 1] !== 0x0a) return false;
    if (bytes[i] === 0x0a && bytes[i - 1] !== 0x0d) return false;
  }
  return true;
}

for (const [name, sequence, expected] of VARIANTS) {
  test(`smuggling variant ${name}: ${expected === 'content' ? 'stays content of one message' : 'refused with 5xx'}`, async () => {
    const before = (await storedMessages(mx.ctx.store, 'smuggle@postern.test')).length;
    const tag = name.replace(/\W/g, '');
    const body =
      `From: <a@good.test>\r\nTo: <smuggle@postern.test>\r\nSubject: first ${tag}\r\n\r\nfirst part\r\n` +
      `line${sequence}MAIL FROM:<evil@good.test>\r\nRCPT TO:<smuggle@postern.test>\r\nDATA\r\n` +
      `From: <evil@good.test>\r\nSubject: smuggled ${tag}\r\n\r\nsmuggled\r\n`;
    const w = await connectWire(mx.port);
    await w.reply();
    await w.cmd('EHLO client.example');
    await w.cmd('MAIL FROM:<a@good.test>');
    await w.cmd('RCPT TO:<smuggle@postern.test>');
    assert.match(await w.cmd('DATA'), /^354 /);
    w.write(body + '.\r\n');
    const final = await w.reply();
    assert.match(await w.cmd('QUIT'), /^221 /, 'exactly one reply to the one DATA, then QUIT');
    w.close();
    const stored = (await storedMessages(mx.ctx.store, 'smuggle@postern.test')).slice(before);
    if (expected === 'refused') {
      assert.match(final, /^5\d\d 5\.\d+\.\d+ /);
      assert.equal(stored.length, 0);
      return;
    }
    assert.match(final, /^250 /);
    assert.equal(stored.length, 1, 'one transmission, one message');
    const bytes = stored[0]!.bytes;
    assert.ok(crlfOnly(bytes), 'stored message has CRLF line endings only');
    const raw = bytes.subarray(bytes.indexOf('From: <a@good.test>'));
    assert.equal(raw.toString('latin1'), body.replace(/\r?\n/g, '\r\n'));
    assert.match(raw.toString('latin1'), /Subject: smuggled /, 'the smuggled part is content of the first message');
  });
}

test('dot-stuffing is undone and a lone dot line only ends DATA after CRLF', async () => {
  const w = await connectWire(mx.port);
  await w.reply();
  await w.cmd('EHLO client.example');
  await w.cmd('MAIL FROM:<a@good.test>');
  await w.cmd('RCPT TO:<smuggle@postern.test>');
  await w.cmd('DATA');
  w.write('Subject: stuffed\r\n\r\n..leading dot\r\n.\r\n');
  assert.match(await w.reply(), /^250 /);
  w.close();
  const last = (await storedMessages(mx.ctx.store, 'smuggle@postern.test')).at(-1)!;
  assert.match(last.bytes.toString(), /\r\n\r\n\.leading dot\r\n$/);
});
