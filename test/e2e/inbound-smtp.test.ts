// Port 25 end to end: real sockets, real clients (swaks, raw bytes), the DNS fixture serving SPF,
// DKIM and DMARC, signatures from python3-dkim, and what ends up in the store.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startDnsServer, type DnsFixture } from '../fixtures/dns-server.ts';
import { addUser, startInbound, storedMessages, type InboundFixture } from '../fixtures/inbound-postern.ts';
import { connectWire } from '../fixtures/smtp-wire.ts';
import { arcSign, dkimSign, generateDkimKey, type DkimKey } from '../fixtures/dkim-signer.ts';

const run = promisify(execFile);
let dns: DnsFixture;
let mx: InboundFixture;
let key: DkimKey;
let arcKey: DkimKey;

before(async () => {
  key = generateDkimKey();
  arcKey = generateDkimKey();
  dns = await startDnsServer({
    'good.test': { TXT: ['v=spf1 ip4:127.0.0.1 -all'] },
    '_dmarc.good.test': { TXT: ['v=DMARC1; p=reject'] },
    's1._domainkey.good.test': { TXT: [key.dnsTxt] },
    'strict.test': { TXT: ['v=spf1 ip4:192.0.2.1 -all'] },
    '_dmarc.strict.test': { TXT: ['v=DMARC1; p=reject'] },
    'quar.test': { TXT: ['v=spf1 ip4:192.0.2.1 -all'] },
    '_dmarc.quar.test': { TXT: ['v=DMARC1; p=quarantine'] },
    'nodmarc.test': { TXT: ['v=spf1 ip4:192.0.2.1 -all'] },
    'soft.test': { TXT: ['v=spf1 ip4:192.0.2.1 ~all'] },
    'arc._domainkey.forwarder.test': { TXT: [arcKey.dnsTxt] },
  });
  mx = await startInbound(dns.server);
  for (const u of ['alice', 'bob', 'smuggle']) await addUser(mx.ctx.store, `${u}@postern.test`);
});
after(async () => { await mx.stop(); await dns.close(); });

const msg = (from: string, subject: string, extra = '') =>
  Buffer.from(`${extra}From: <${from}>\r\nTo: <alice@postern.test>\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@x>\r\n\r\nBody of ${subject}\r\n`);

/** One SMTP transaction over a raw socket; returns every reply. `data` is sent dot-stuffed as given. */
async function transaction(from: string, to: string[], data: Buffer) {
  const w = await connectWire(mx.port);
  const replies = [await w.reply(), await w.cmd('EHLO client.example'), await w.cmd(`MAIL FROM:<${from}>`)];
  for (const r of to) replies.push(await w.cmd(`RCPT TO:<${r}>`));
  replies.push(await w.cmd('DATA'));
  w.write(Buffer.concat([data, Buffer.from('.\r\n')]));
  replies.push(await w.reply());
  replies.push(await w.cmd('QUIT'));
  w.close();
  return { replies, final: replies[replies.length - 2]! };
}

const inbox = async (address: string, subject: string) =>
  (await storedMessages(mx.ctx.store, address)).filter((m) => m.bytes.includes(`Subject: ${subject}\r\n`));

test('swaks, plain and with STARTTLS: stored with Authentication-Results and Received on top', async () => {
  for (const tls of [false, true]) {
    const subject = `swaks ${tls ? 'tls' : 'plain'}`;
    const { stdout } = await run('swaks', ['--server', `127.0.0.1:${mx.port}`, '--from', 'sender@good.test', '--to', 'alice@postern.test',
      '--helo', 'client.example', '--header', `Subject: ${subject}`, ...(tls ? ['--tls'] : [])]);
    assert.match(stdout, /<[-~]\s+250 2\.6\.0 Message accepted/);
    const [stored] = (await inbox('alice@postern.test', subject));
    assert.ok(stored, 'message stored');
    const text = stored.bytes.toString('latin1');
    assert.match(text, /^Authentication-Results: mx\.postern\.test;\r\n /);
    assert.match(text, /spf=pass/);
    assert.match(text, new RegExp(`\\r\\nReceived: from client\\.example \\(\\[127\\.0\\.0\\.1\\]\\)\\r\\n\\tby mx\\.postern\\.test \\(Postern\\) with ${tls ? 'ESMTPS' : 'ESMTP'} id`));
    assert.equal(stored.mailbox, 'INBOX');
    if (tls) assert.match(stdout, /STARTTLS/);
  }
});

test('EHLO offers the extensions the issue lists and no AUTH; replies carry enhanced codes', async () => {
  const w = await connectWire(mx.port);
  await w.reply();
  const ehlo = await w.cmd('EHLO client.example');
  for (const ext of ['PIPELINING', '8BITMIME', 'SMTPUTF8', 'ENHANCEDSTATUSCODES', 'STARTTLS', 'SIZE 52428800']) assert.match(ehlo, new RegExp(`250[- ]${ext}\\r?$`, 'm'));
  assert.doesNotMatch(ehlo, /AUTH/);
  assert.match(await w.cmd('AUTH PLAIN AGFiYwB4'), /^50\d 5\.\d\.\d /);
  assert.match(await w.cmd('RCPT TO:<alice@postern.test>'), /^503 5\.5\.1 /);
  assert.match(await w.cmd('MAIL FROM:<a@good.test> SIZE=999999999'), /^552 5\.3\.4 /);
  w.close();
});

test('DKIM: dkimsign signature passes, a tampered body fails', async () => {
  const good = dkimSign(msg('a@good.test', 'dkim good'), 's1', 'good.test', key);
  assert.match((await transaction('a@good.test', ['alice@postern.test'], good)).final, /^250 /);
  assert.match((await inbox('alice@postern.test', 'dkim good'))[0]!.bytes.toString(), /dkim=pass/);
  const bad = Buffer.from(dkimSign(msg('a@good.test', 'dkim bad'), 's1', 'good.test', key).toString('latin1').replace('Body of', 'Bodx of'), 'latin1');
  // SPF still passes and aligns, so DMARC passes and the message is delivered with dkim=fail.
  assert.match((await transaction('a@good.test', ['alice@postern.test'], bad)).final, /^250 /);
  assert.match((await inbox('alice@postern.test', 'dkim bad'))[0]!.bytes.toString(), /dkim=fail/);
});

test('SPF pass, fail (no DMARC: Junk) and softfail (INBOX)', async () => {
  await transaction('a@good.test', ['bob@postern.test'], msg('a@good.test', 'spf pass'));
  assert.match((await inbox('bob@postern.test', 'spf pass'))[0]!.bytes.toString(), /spf=pass/);
  assert.match((await transaction('a@nodmarc.test', ['bob@postern.test'], msg('a@nodmarc.test', 'spf fail'))).final, /^250 /);
  const failed = (await inbox('bob@postern.test', 'spf fail'))[0]!;
  assert.match(failed.bytes.toString(), /spf=fail/);
  assert.equal(failed.mailbox, 'Junk');
  await transaction('a@soft.test', ['bob@postern.test'], msg('a@soft.test', 'spf softfail'));
  const soft = (await inbox('bob@postern.test', 'spf softfail'))[0]!;
  assert.match(soft.bytes.toString(), /spf=softfail/);
  assert.equal(soft.mailbox, 'INBOX');
});

test('DMARC p=reject is refused with 550 5.7.1 and not stored; p=quarantine goes to Junk', async () => {
  const rejected = await transaction('a@strict.test', ['bob@postern.test'], msg('a@strict.test', 'dmarc reject'));
  assert.match(rejected.final, /^550 5\.7\.1 /);
  assert.equal((await inbox('bob@postern.test', 'dmarc reject')).length, 0);
  assert.match((await transaction('a@quar.test', ['bob@postern.test'], msg('a@quar.test', 'dmarc quarantine'))).final, /^250 /);
  const q = (await inbox('bob@postern.test', 'dmarc quarantine'))[0]!;
  assert.equal(q.mailbox, 'Junk');
  assert.match(q.bytes.toString(), /dmarc=fail/);
});

test('ARC chain from arcsign is verified and reported', async () => {
  const signed = dkimSign(msg('a@good.test', 'arc chain'), 's1', 'good.test', key);
  const sealed = arcSign(signed, 'arc', 'forwarder.test', arcKey, 'forwarder.test', 'dkim=pass header.d=good.test');
  assert.match((await transaction('a@good.test', ['alice@postern.test'], sealed)).final, /^250 /);
  assert.match((await inbox('alice@postern.test', 'arc chain'))[0]!.bytes.toString(), /arc=pass/);
});

test('a forged Authentication-Results under our authserv-id is removed, a foreign one kept', async () => {
  const forged = msg('a@good.test', 'forged ar', 'Authentication-Results: mx.postern.test; dkim=pass header.d=bank.example\r\nAuthentication-Results: other.example; spf=pass\r\n');
  await transaction('a@good.test', ['alice@postern.test'], forged);
  const text = (await inbox('alice@postern.test', 'forged ar'))[0]!.bytes.toString();
  assert.doesNotMatch(text, /bank\.example/);
  assert.match(text, /Authentication-Results: other\.example; spf=pass/);
  assert.equal(text.match(/Authentication-Results: mx\.postern\.test/g)?.length, 1);
});

test('relaying and unknown users are refused at RCPT', async () => {
  const w = await connectWire(mx.port);
  await w.reply();
  await w.cmd('EHLO client.example');
  await w.cmd('MAIL FROM:<a@good.test>');
  const cases: [string, RegExp][] = [
    ['<someone@remote.example>', /^554 5\.7\.1 /],
    ['<user%remote.example@postern.test>', /^554 5\.7\.1 /],
    ['<@postern.test:user@remote.example>', /^554 5\.7\.1 /],
    ['<"user@remote.example"@postern.test>', /^5(01 5\.1\.3|54 5\.7\.1) /],
    ['<remote.example!user@postern.test>', /^554 5\.7\.1 /],
    ['<nobody@postern.test>', /^550 5\.1\.1 /],
    ['<a..b@postern.test>', /^501 5\.1\.3 /],
    ['<ALICE@Postern.Test>', /^250 2\.1\.5 /],
  ];
  for (const [rcpt, expected] of cases) assert.match(await w.cmd(`RCPT TO:${rcpt}`), expected, rcpt);
  w.close();
});

test('a command line over 512 octets gets 500 5.5.2; a long message line is fine', async () => {
  const w = await connectWire(mx.port);
  await w.reply();
  assert.match(await w.cmd('EHLO ' + 'a'.repeat(600)), /^500 5\.5\.2 /);
  w.close();
  const longLine = msg('a@good.test', 'long line', `X-Long: ${'x'.repeat(5000)}\r\n`);
  assert.match((await transaction('a@good.test', ['alice@postern.test'], longLine)).final, /^250 /);
});

test('more than 50 Received headers is a loop: 554 5.4.6', async () => {
  const looping = msg('a@good.test', 'loop', 'Received: from a by b; Mon, 5 Jan 2026 00:00:00 +0000\r\n'.repeat(51));
  assert.match((await transaction('a@good.test', ['alice@postern.test'], looping)).final, /^554 5\.4\.6 /);
  assert.equal((await inbox('alice@postern.test', 'loop')).length, 0);
});

test('commands pipelined after STARTTLS are discarded', async () => {
  const w = await connectWire(mx.port);
  await w.reply();
  await w.cmd('EHLO client.example');
  w.write('STARTTLS\r\nMAIL FROM:<a@good.test>\r\nRCPT TO:<alice@postern.test>\r\n');
  assert.match(await w.reply(), /^220 /);
  // Nothing more arrives in plaintext; the injected commands were not answered.
  assert.match(await w.reply(500), /^\(no reply/);
  w.close();
});
