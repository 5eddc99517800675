// Durability of port 25: concurrent senders, `postern serve` killed with SIGKILL mid-run, restarted:
// every message that got 250 is in its mailbox exactly once, and none is stored twice.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { startDnsServer, type DnsFixture } from '../fixtures/dns-server.ts';
import { addUser, storedMessages, testConfigToml } from '../fixtures/inbound-postern.ts';
import { connectWire } from '../fixtures/smtp-wire.ts';
import { openStore } from '../../src/store/sqlite/store.ts';
import { systemClock } from '../../src/clock.ts';

let dns: DnsFixture;
let dataDir: string;
let configFile: string;
const BIN = path.resolve(import.meta.dirname, '../../bin/postern');

before(async () => {
  dns = await startDnsServer({ 'good.test': { TXT: ['v=spf1 ip4:127.0.0.1 -all'] } });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-'));
  configFile = path.join(dataDir, 'postern.toml');
  fs.writeFileSync(configFile, testConfigToml(dataDir, dns.server));
  const store = openStore(dataDir, { clock: systemClock, migrate: true });
  await store.domains.add('postern.test', []);
  await addUser(store, 'durable@postern.test');
  store.close();
});
after(async () => { await dns.close(); fs.rmSync(dataDir, { recursive: true, force: true }); });

async function serve(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--config', configFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('postern serve did not start')), 15000);
    lines.on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { listener?: string; port?: number };
        if (entry.listener === 'smtp' && entry.port) { clearTimeout(timer); resolve(entry.port); }
      } catch { /* not JSON */ }
    });
    child.once('exit', () => reject(new Error('postern serve exited')));
  });
  return { child, port };
}

/** Sends messages in one session until the connection breaks; returns the ids that got 250. */
async function sender(port: number, name: string, acked: Set<string>, stop: { now: boolean }): Promise<void> {
  const w = await connectWire(port);
  if (!/^220 /.test(await w.reply())) return;
  await w.cmd('EHLO client.example');
  for (let i = 0; !stop.now; i++) {
    const id = `${name}-${i}`;
    if (!/^250 /.test(await w.cmd('MAIL FROM:<a@good.test>'))) break;
    if (!/^250 /.test(await w.cmd('RCPT TO:<durable@postern.test>'))) break;
    if (!/^354 /.test(await w.cmd('DATA'))) break;
    w.write(`From: <a@good.test>\r\nSubject: durable\r\nMessage-ID: <${id}@test>\r\n\r\n${'x'.repeat(2000)}\r\n.\r\n`);
    const final = await w.reply();
    if (!/^250 /.test(final)) break;
    acked.add(id);
  }
  w.close();
}

test('every message acknowledged before SIGKILL is stored exactly once after restart', { timeout: 60000 }, async () => {
  const { child, port } = await serve();
  const acked = new Set<string>();
  const stop = { now: false };
  const senders = Array.from({ length: 8 }, (_, i) => sender(port, `s${i}`, acked, stop).catch(() => undefined));
  // Kill once enough is acknowledged (a busy machine acknowledges slowly), and a little later, mid-stream.
  for (let i = 0; i < 300 && acked.size <= 20; i++) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 200));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  stop.now = true;
  await Promise.all(senders);
  assert.ok(acked.size > 20, `enough load before the kill (${acked.size} acknowledged)`);

  const restarted = await serve();
  const probe = await connectWire(restarted.port);
  assert.match(await probe.reply(), /^220 /);
  probe.close();
  restarted.child.kill('SIGTERM');
  await new Promise((r) => restarted.child.once('exit', r));

  const store = openStore(dataDir, { clock: systemClock, migrate: false });
  const counts = new Map<string, number>();
  for (const m of await storedMessages(store, 'durable@postern.test')) {
    const id = /Message-ID: <([^@]+)@test>/.exec(m.bytes.toString('latin1'))?.[1];
    if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  store.close();
  for (const id of acked) assert.equal(counts.get(id), 1, `acknowledged ${id} stored once`);
  for (const [id, n] of counts) assert.equal(n, 1, `${id} stored once`);
});
