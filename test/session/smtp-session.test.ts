// Port 25 sessions driven in process over a socket pair, as the IMAP and POP3 session tests drive
// theirs: the listener's sessions (inboundSessions) get the server end, the test speaks raw SMTP on
// the client end and checks each reply byte for byte where the protocol fixes it. Covers the
// greeting, EHLO, PIPELINING (replies in order), RSET, unknown commands, an over-long line, DATA
// without RCPT, dot-stuffing and QUIT; what DATA stores is read back from the real store.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { validateConfig } from '../../src/config/load.ts';
import { buildContext } from '../../src/cli/serve.ts';
import { createLogger } from '../../src/log.ts';
import type { ServerContext } from '../../src/server-context.ts';
import { inboundSessions, type InboundSessions } from '../../src/smtp/inbound-server.ts';
import { SMTP_LINE_LENGTH } from '../../src/limits.ts';
import { startDnsServer, type DnsFixture } from '../fixtures/dns-server.ts';
import { socketPair, wireOn, type Wire } from '../fixtures/smtp-wire.ts';
import { mailboxMessages } from '../fixtures/store-inspect.ts';

let dns: DnsFixture;
let ctx: ServerContext;
let sessions: InboundSessions;
let dataDir: string;
let bob: number;

before(async () => {
  dns = await startDnsServer({ 'good.test': { TXT: ['v=spf1 ip4:192.0.2.1 -all'] } });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-smtp-session-'));
  const config = validateConfig({
    hostname: 'mx.postern.test', data_dir: dataDir,
    dns: { servers: [dns.server], timeout_ms: 500, tries: 1 },
    spam: { enabled: false },
  }, null);
  ctx = await buildContext(config, createLogger('silent', false));
  sessions = inboundSessions(ctx);
  const domain = await ctx.store.domains.add('postern.test', []);
  bob = (await ctx.store.accounts.add('bob@postern.test', domain.id, '$scrypt$test')).id;
});

after(async () => {
  sessions.close();
  await ctx.store.close();
  await dns.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** A new session from 192.0.2.1 (SPF passes for good.test), greeted. */
async function session(): Promise<{ wire: Wire; greeting: string }> {
  const { client, server } = await socketPair();
  sessions.serve(server, { address: '192.0.2.1', port: 40000 });
  const wire = wireOn(client);
  return { wire, greeting: await wire.reply() };
}

async function greeted(): Promise<Wire> {
  const { wire } = await session();
  assert.match(await wire.cmd('EHLO client.good.test'), /^250 /m);
  return wire;
}

const message = (subject: string, body: string) => `From: <a@good.test>\r\nTo: <bob@postern.test>\r\nSubject: ${subject}\r\n\r\n${body}`;

async function storedWith(subject: string): Promise<string | undefined> {
  return (await mailboxMessages(ctx.store, bob)).map((m) => m.bytes.toString('latin1')).find((m) => m.includes(`\r\nSubject: ${subject}\r\n`));
}

test('the greeting names the host and ESMTP; EHLO lists the extensions port 25 offers, and no AUTH', async () => {
  const { wire, greeting } = await session();
  assert.match(greeting, /^220 mx\.postern\.test ESMTP Postern$/);
  const ehlo = await wire.cmd('EHLO client.good.test');
  const lines = ehlo.split('\r\n');
  assert.match(lines[0]!, /^250-mx\.postern\.test Nice to meet you/);
  const keywords = lines.slice(1).map((l) => l.slice(4));
  for (const k of ['PIPELINING', '8BITMIME', 'SMTPUTF8', 'ENHANCEDSTATUSCODES', 'STARTTLS']) assert.ok(keywords.includes(k), `${k} in ${ehlo}`);
  assert.ok(keywords.includes(`SIZE ${ctx.config.limits.message_size}`), ehlo);
  assert.ok(!keywords.some((k) => k.startsWith('AUTH')), 'no AUTH on port 25');
  assert.match(lines.at(-1)!, /^250 /);
  wire.close();
});

test('PIPELINING: MAIL, RCPT, RCPT, DATA in one write are answered in order, and the message is stored', async () => {
  const wire = await greeted();
  wire.write('MAIL FROM:<a@good.test>\r\nRCPT TO:<bob@postern.test>\r\nRCPT TO:<nobody@postern.test>\r\nDATA\r\n');
  assert.match(await wire.reply(), /^250 /);
  assert.match(await wire.reply(), /^250 /);
  assert.equal(await wire.reply(), '550 5.1.1 No such user here');
  assert.match(await wire.reply(), /^354 /);
  wire.write(message('pipelined', 'one\r\n') + '.\r\n');
  assert.match(await wire.reply(), /^250 2\.6\.0 Message accepted as [0-9a-f]{16}$/);
  assert.ok(await storedWith('pipelined'));
  wire.close();
});

test('RSET ends the transaction: DATA then needs RCPT again, and a new MAIL is not nested', async () => {
  const wire = await greeted();
  assert.match(await wire.cmd('MAIL FROM:<a@good.test>'), /^250 /);
  assert.match(await wire.cmd('RCPT TO:<bob@postern.test>'), /^250 /);
  assert.match(await wire.cmd('RSET'), /^250 /);
  assert.match(await wire.cmd('DATA'), /^503 /);
  assert.match(await wire.cmd('RCPT TO:<bob@postern.test>'), /^503 /, 'no MAIL any more');
  assert.match(await wire.cmd('MAIL FROM:<a@good.test>'), /^250 /);
  assert.match(await wire.cmd('RCPT TO:<bob@postern.test>'), /^250 /);
  assert.match(await wire.cmd('DATA'), /^354 /);
  wire.write(message('after rset', 'two\r\n') + '.\r\n');
  assert.match(await wire.reply(), /^250 2\.6\.0 Message accepted/);
  wire.close();
});

test('an unknown command is 500 with an enhanced code, and the session goes on', async () => {
  const wire = await greeted();
  assert.match(await wire.cmd('FROB now'), /^500 5\.5\.\d /);
  assert.match(await wire.cmd('NOOP'), /^250 /);
  wire.close();
});

test('a command line longer than 512 octets is 500 5.5.2 and the session ends', async () => {
  const wire = await greeted();
  const line = `MAIL FROM:<${'a'.repeat(SMTP_LINE_LENGTH)}@good.test>`;
  assert.equal(await wire.cmd(line), '500 5.5.2 Line too long');
  await wire.closed;
});

test('DATA without RCPT is 503, and so is DATA without MAIL', async () => {
  const wire = await greeted();
  assert.match(await wire.cmd('DATA'), /^503 /);
  assert.match(await wire.cmd('MAIL FROM:<a@good.test>'), /^250 /);
  assert.match(await wire.cmd('DATA'), /^503 5\.5\.1 /);
  wire.close();
});

test('dot-stuffing: the first of two leading dots is removed, nothing else; a lone dot ends DATA', async () => {
  const wire = await greeted();
  assert.match(await wire.cmd('MAIL FROM:<a@good.test>'), /^250 /);
  assert.match(await wire.cmd('RCPT TO:<bob@postern.test>'), /^250 /);
  assert.match(await wire.cmd('DATA'), /^354 /);
  // RFC 5321 §4.5.2: the sender doubles a leading dot; the receiver removes the first one. A
  // leading dot the sender did not double (". ") is kept as smtp-server reads it (§4.5.2 would
  // remove it; keeping it keeps what a client that does not stuff meant).
  wire.write(message('dots', '..\r\n...x\r\n.. two\r\na.b\r\n. \r\n') + '.\r\n');
  assert.match(await wire.reply(), /^250 /);
  const stored = await storedWith('dots');
  assert.ok(stored, 'stored');
  assert.ok(stored.endsWith('\r\n\r\n.\r\n..x\r\n. two\r\na.b\r\n. \r\n'), JSON.stringify(stored.slice(-40)));
  wire.close();
});

test('QUIT is 221 and the server closes the connection', async () => {
  const wire = await greeted();
  assert.match(await wire.cmd('QUIT'), /^221 /);
  await wire.closed;
});
