// PROXY protocol on every mail listener (issue 14, Operations), over real loopback sockets: a
// listener trusting 127.0.0.1 (`[listen] proxy_protocol_from`) takes the client from a v1 or v2
// header and uses it for everything after — the Received field and SPF on port 25, the per-IP limits
// on IMAP and 465 (where the header comes before the TLS handshake) — and closes a connection whose
// header is missing or malformed, counting it; a listener that does not trust 127.0.0.1 treats the
// same header as the protocol's garbage and sees the socket's own address.
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
import { startSubmissions } from '../../src/smtp/submission-server.ts';
import { startImapListener } from '../../src/imap/server.ts';
import { startPop3, startPop3s } from '../../src/pop3/server.ts';
import { startManageSieve } from '../../src/managesieve/server.ts';
import type { RunningListener, ServerContext } from '../../src/server-context.ts';
import { startDnsServer, type DnsFixture } from '../fixtures/dns-server.ts';
import { addUser, storedMessages } from '../fixtures/inbound-postern.ts';
import { proxyV1, proxyV2 } from '../fixtures/proxy-header.ts';

interface Node { ctx: ServerContext; dir: string; ports: Record<string, number>; listeners: RunningListener[] }
let dns: DnsFixture;
let trusted: Node;
let untrusted: Node;

async function node(proxyFrom: string[], withAll: boolean): Promise<Node> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-proxy-'));
  const config = validateConfig({
    hostname: 'mx.postern.test', data_dir: dir, listen: { proxy_protocol_from: proxyFrom },
    dns: { servers: [dns.server], timeout_ms: 500, tries: 1 }, limits: { connections_per_ip: 2 },
  }, null);
  const ctx = await buildContext(config, createLogger('silent', false));
  await ctx.store.domains.add('postern.test', []);
  await addUser(ctx.store, 'pp@postern.test');
  const at = { host: '127.0.0.1', port: 0 };
  const starts: [string, () => Promise<RunningListener>][] = [['smtp', () => startInboundSmtp(ctx, at)], ['imap', () => startImapListener(ctx, at, false)]];
  if (withAll) {
    starts.push(['submissions', () => startSubmissions(ctx, at)], ['imaps', () => startImapListener(ctx, at, true)],
      ['pop3', () => startPop3(ctx, at)], ['pop3s', () => startPop3s(ctx, at)], ['managesieve', () => startManageSieve(ctx, at)]);
  }
  const out: Node = { ctx, dir, ports: {}, listeners: [] };
  for (const [name, start] of starts) {
    const l = await start();
    out.listeners.push(l);
    out.ports[name] = l.port;
  }
  return out;
}

before(async () => {
  dns = await startDnsServer({ 'sender.test': { TXT: ['v=spf1 ip4:203.0.113.9 ip6:2001:db8::7 -all'] } });
  trusted = await node(['127.0.0.1'], true);
  untrusted = await node(['10.0.0.0/8'], false);
});
/** Every client socket the tests opened, destroyed before the listeners close. */
const clients = new Set<net.Socket>();
after(async () => {
  for (const socket of clients) socket.destroy();
  for (const n of [trusted, untrusted]) {
    for (const l of n.listeners) await l.close();
    await n.ctx.store.close();
    fs.rmSync(n.dir, { recursive: true, force: true });
  }
  await dns.close();
});

/** A line-oriented client on `socket`: the next line, or '' once the socket closed. */
function lines(socket: net.Socket | tls.TLSSocket) {
  let buffer = '';
  let closed = false;
  socket.on('data', (d: Buffer) => { buffer += d.toString('latin1'); });
  socket.on('error', () => undefined);
  socket.once('close', () => { closed = true; });
  return {
    async line(): Promise<string> {
      for (;;) {
        const at = buffer.indexOf('\r\n');
        if (at >= 0) { const l = buffer.slice(0, at); buffer = buffer.slice(at + 2); return l; }
        if (closed) return '';
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    /** An SMTP reply's last line. */
    async reply(): Promise<string> {
      for (;;) { const l = await this.line(); if (l === '' || /^\d{3} /.test(l)) return l; }
    },
    async cmd(text: string): Promise<string> { socket.write(`${text}\r\n`); return this.reply(); },
    received: () => buffer,
  };
}

async function dial(port: number, header: Buffer | null): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  clients.add(socket);
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
  if (header) socket.write(header);
  return socket;
}

/** The greeting line over TLS after `header`, or '' when the connection is closed first. */
async function tlsGreeting(port: number, header: Buffer): Promise<{ line: string; socket: tls.TLSSocket | null }> {
  const raw = await dial(port, header);
  const secure = tls.connect({ socket: raw, rejectUnauthorized: false });
  const ok = await new Promise<boolean>((resolve) => {
    secure.once('secureConnect', () => resolve(true));
    secure.once('error', () => resolve(false));
    secure.once('close', () => resolve(false));
  });
  if (!ok) { raw.destroy(); return { line: '', socket: null }; }
  return { line: await lines(secure).line(), socket: secure };
}

async function deliver(port: number, header: Buffer | null, subject: string): Promise<string> {
  const c = lines(await dial(port, header));
  assert.match(await c.reply(), /^220 /);
  assert.match(await c.cmd('EHLO client.sender.test'), /^250 /);
  assert.match(await c.cmd('MAIL FROM:<a@sender.test>'), /^250 /);
  assert.match(await c.cmd('RCPT TO:<pp@postern.test>'), /^250 /);
  assert.match(await c.cmd('DATA'), /^354 /);
  const reply = await c.cmd(`From: a@sender.test\r\nTo: pp@postern.test\r\nSubject: ${subject}\r\n\r\nhello\r\n.`);
  await c.cmd('QUIT');
  return reply;
}

async function storedWith(n: Node, subject: string): Promise<string> {
  const found = (await storedMessages(n.ctx.store, 'pp@postern.test')).map((m) => m.bytes.toString('latin1')).find((m) => m.includes(`Subject: ${subject}`));
  assert.ok(found, `stored: ${subject}`);
  return found;
}

test('port 25, v1 from a trusted address: Received and SPF see the claimed client', async () => {
  assert.match(await deliver(trusted.ports.smtp!, proxyV1('203.0.113.9', 4242), 'via v1'), /^250 /);
  const m = await storedWith(trusted, 'via v1');
  assert.match(m, /^Received: from client\.sender\.test \(\[203\.0\.113\.9\]\)/m);
  assert.match(m, /spf=pass/);
  assert.doesNotMatch(m, /127\.0\.0\.1/);
});

test('port 25, v2 over IPv6 from a trusted address: the claimed IPv6 client', async () => {
  assert.match(await deliver(trusted.ports.smtp!, proxyV2('2001:db8::7', 4242), 'via v2'), /^250 /);
  const m = await storedWith(trusted, 'via v2');
  assert.match(m, /^Received: from client\.sender\.test \(\[IPv6:2001:db8::7\]\)/m);
  assert.match(m, /spf=pass/);
});

test('port 25, the same header from an address not trusted: refused as a command, and the socket\'s address is the client', async () => {
  const c = lines(await dial(untrusted.ports.smtp!, proxyV1('203.0.113.9', 4242)));
  assert.match(await c.reply(), /^220 /);
  assert.match(await c.reply(), /^500 /, 'PROXY is no SMTP command');
  assert.match(await c.cmd('EHLO client.sender.test'), /^250 /);
  assert.match(await c.cmd('MAIL FROM:<a@sender.test>'), /^250 /);
  assert.match(await c.cmd('RCPT TO:<pp@postern.test>'), /^250 /);
  assert.match(await c.cmd('DATA'), /^354 /);
  assert.match(await c.cmd('From: a@sender.test\r\nSubject: not proxied\r\n\r\nhello\r\n.'), /^250 /);
  const m = await storedWith(untrusted, 'not proxied');
  assert.match(m, /^Received: from client\.sender\.test \(\[127\.0\.0\.1\]\)/m);
  assert.match(m, /spf=fail/);
});

test('from a trusted address a connection without a valid header is closed unanswered and counted; the server goes on', async () => {
  for (const bytes of [Buffer.from('EHLO client.sender.test\r\n'), Buffer.from(`PROXY TCP4 203.0.113.9 nonsense\r\n`)]) {
    const c = lines(await dial(trusted.ports.smtp!, bytes));
    assert.equal(await c.line(), '');
    assert.equal(c.received(), '');
  }
  const metrics = await trusted.ctx.metrics.expose();
  assert.match(metrics, /postern_proxy_headers_refused_total\{protocol="smtp",reason="invalid"\} 2/);
  const c = lines(await dial(trusted.ports.smtp!, proxyV2('203.0.113.9', 1)));
  assert.match(await c.reply(), /^220 /);
});

test('465: the header is read before the TLS handshake, and the per-IP limit counts the claimed client', async () => {
  const held = [];
  for (let i = 0; i < 2; i++) {
    const g = await tlsGreeting(trusted.ports.submissions!, proxyV2('198.51.100.3', 2000 + i));
    assert.match(g.line, /^220 mx\.postern\.test ESMTP Postern submission$/);
    held.push(g.socket!);
  }
  assert.equal((await tlsGreeting(trusted.ports.submissions!, proxyV1('198.51.100.3', 2002))).line, '', 'the third from 198.51.100.3 is refused before its handshake');
  const other = await tlsGreeting(trusted.ports.submissions!, proxyV1('198.51.100.4', 1));
  assert.match(other.line, /^220 /, 'another claimed client is served');
  for (const s of [...held, other.socket!]) s.destroy();
});

test('IMAP 143 and 993: the claimed client is the one counted', async () => {
  const held = [];
  for (let i = 0; i < 2; i++) {
    const c = lines(await dial(trusted.ports.imap!, proxyV1('198.51.100.1', 3000 + i)));
    assert.match(await c.line(), /^\* OK/);
    held.push(c);
  }
  const third = lines(await dial(trusted.ports.imap!, proxyV2('198.51.100.1', 3002)));
  assert.equal(await third.line(), '* BYE Too many connections');
  const other = lines(await dial(trusted.ports.imap!, proxyV2('198.51.100.2', 1)));
  assert.match(await other.line(), /^\* OK/);
  const imaps = await tlsGreeting(trusted.ports.imaps!, proxyV2('2001:db8::9', 1));
  assert.match(imaps.line, /^\* OK/);
  imaps.socket!.destroy();
});

test('IMAP from an address not trusted: the header is a bad command, not a client address', async () => {
  const c = lines(await dial(untrusted.ports.imap!, proxyV1('198.51.100.1', 1)));
  assert.match(await c.line(), /^\* OK/);
  assert.match(await c.line(), /BAD/);
});

test('POP3 110 and 995 and ManageSieve greet after a v1 or v2 header', async () => {
  const pop3 = lines(await dial(trusted.ports.pop3!, proxyV1('203.0.113.20', 1)));
  assert.match(await pop3.line(), /^\+OK/);
  const pop3s = await tlsGreeting(trusted.ports.pop3s!, proxyV2('203.0.113.21', 1));
  assert.match(pop3s.line, /^\+OK/);
  pop3s.socket!.destroy();
  const sieve = lines(await dial(trusted.ports.managesieve!, proxyV2('203.0.113.22', 1)));
  assert.match(await sieve.line(), /^"IMPLEMENTATION"/);
});
