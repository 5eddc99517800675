// bench/smtp-inbound: port 25 throughput and latency. Starts a DNS fixture (SPF -all and DMARC
// p=reject for the load domain, plus a DKIM key), Postern's inbound listener in a child process,
// then (1) Postfix's smtp-source, 20 sessions, 20,000 × 4 KiB, new connection per message;
// (2) our own driver (20 sessions, persistent connections) timing each final 250, plain and with a
// dkimsign-signed message. Prints a table: msg/s accepted (250 = committed), p99 final-250
// latency, peak RSS, event-loop delay and CPU per message of the server. Not a CI test.
//   node bench/smtp-inbound.ts [--messages 20000] [--driver-messages 5000]
import { execFile, fork } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startDnsServer } from '../test/fixtures/dns-server.ts';
import { dkimSign, generateDkimKey } from '../test/fixtures/dkim-signer.ts';
import { serveChildRuntime } from '../src/serve-runtime.ts';

const args = process.argv.slice(2);
const opt = (name: string, def: number) => { const i = args.indexOf(`--${name}`); return i >= 0 ? Number(args[i + 1]) : def; };
const N = opt('messages', 20000);
const DRIVER_N = opt('driver-messages', 5000);
const SESSIONS = opt('sessions', 20);

const key = generateDkimKey();
const dns = await startDnsServer({
  'example.test': { TXT: ['v=spf1 ip4:127.0.0.1 -all'] },
  '_dmarc.example.test': { TXT: ['v=DMARC1; p=reject'] },
  'bench._domainkey.example.test': { TXT: [key.dnsTxt] },
});
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-bench-'));
// The server runs with the runtime settings `postern serve` gets from bin/postern (src/serve-runtime.ts).
const runtime = serveChildRuntime(process.env.BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF === '1' ? '/tmp/prof' : process.env.BENCH_PROF}`] : [], process.env);
const server = fork(path.join(import.meta.dirname, 'smtp-inbound-server.ts'), [dataDir, dns.server], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], ...runtime });
const ask = <T>(msg?: object) => new Promise<T>((resolve) => { server.once('message', (m) => resolve(m as T)); if (msg) server.send(msg); });
const { port } = await ask<{ port: number }>();

interface Row { run: string; messages: number; seconds: number; rate: number; p99ms: number | null; rssPeakMiB: number; eldP99ms: number; eldMaxMs: number; stored: number; cpuMs: number }
const rows: Row[] = [];

async function measure(run: string, messages: number, work: () => Promise<number[] | null>) {
  await ask({ cmd: 'reset' });
  const started = process.hrtime.bigint();
  const latencies = await work();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const s = await ask<{ rssPeakMiB: number; eventLoopDelayP99Ms: number; eventLoopDelayMaxMs: number; stored: number; cpuSeconds: number }>({ cmd: 'stats' });
  let p99: number | null = null;
  if (latencies) { latencies.sort((a, b) => a - b); p99 = latencies[Math.floor(latencies.length * 0.99)] ?? null; }
  rows.push({ run, messages, seconds, rate: messages / seconds, p99ms: p99, rssPeakMiB: s.rssPeakMiB, eldP99ms: s.eventLoopDelayP99Ms, eldMaxMs: s.eventLoopDelayMaxMs, stored: s.stored, cpuMs: s.cpuSeconds * 1000 / messages });
}

if (N > 0) await measure('smtp-source 20×, new conn/msg, 4 KiB', N, async () => {
  await promisify(execFile)('/usr/sbin/smtp-source', ['-4', '-s', String(SESSIONS), '-m', String(N), '-l', '4096',
    '-f', 'load@example.test', '-t', 'user@example.test', '-M', 'client.example', `127.0.0.1:${port}`], { maxBuffer: 1 << 26 });
  return null;
});

const body = `From: <load@example.test>\r\nTo: <user@example.test>\r\nSubject: bench\r\nMessage-ID: <bench@example.test>\r\n\r\n${('x'.repeat(76) + '\r\n').repeat(52)}`;
const plain = Buffer.from(body);
const signed = dkimSign(plain, 'bench', 'example.test', key);

/** One persistent session sending `count` messages; returns end-of-DATA → 250 latencies (ms). */
async function driverSession(message: Buffer, count: number): Promise<number[]> {
  const socket = net.connect(port, '127.0.0.1');
  let buffer = '';
  let wake: (() => void) | null = null;
  socket.on('data', (d) => { buffer += d.toString('latin1'); wake?.(); });
  const reply = async () => {
    for (;;) {
      const m = /^(\d{3}) [^\r\n]*\r\n/m.exec(buffer);
      if (m) { buffer = buffer.slice(m.index + m[0].length); return m[1]!; }
      await new Promise<void>((r) => { wake = r; });
    }
  };
  const expect = async (code: string) => { const got = await reply(); if (got !== code) throw new Error(`expected ${code}, got ${got}`); };
  await expect('220');
  socket.write('EHLO client.example\r\n');
  await expect('250');
  const out: number[] = [];
  const data = Buffer.concat([message, Buffer.from('.\r\n')]);
  for (let i = 0; i < count; i++) {
    // RFC 2920 pipelining: MAIL, RCPT and DATA in one write.
    socket.write('MAIL FROM:<load@example.test>\r\nRCPT TO:<user@example.test>\r\nDATA\r\n');
    await expect('250'); await expect('250'); await expect('354');
    const t = performance.now();
    socket.write(data);
    await expect('250');
    out.push(performance.now() - t);
  }
  socket.end('QUIT\r\n');
  return out;
}

for (const [name, message] of [['own driver 20×, persistent, 4 KiB', plain], ['own driver 20×, persistent, 4 KiB DKIM-signed', signed]] as const) {
  if (DRIVER_N > 0) await measure(name, DRIVER_N, async () => {
    const per = Math.ceil(DRIVER_N / SESSIONS);
    return (await Promise.all(Array.from({ length: SESSIONS }, () => driverSession(message, per)))).flat();
  });
}

server.send({ cmd: 'stop' });
await new Promise((r) => server.once('exit', r));
await dns.close();
fs.rmSync(dataDir, { recursive: true, force: true });

console.log('| run | messages | seconds | msg/s accepted+committed | p99 final 250 (ms) | server peak RSS (MiB) | event-loop delay p99 / max (ms) | server CPU ms/msg | stored (cumulative) |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  console.log(`| ${r.run} | ${r.messages} | ${r.seconds.toFixed(1)} | ${Math.round(r.rate)} | ${r.p99ms === null ? '–' : r.p99ms.toFixed(1)} | ${r.rssPeakMiB} | ${r.eldP99ms.toFixed(1)} / ${r.eldMaxMs.toFixed(1)} | ${r.cpuMs.toFixed(2)} | ${r.stored} |`);
}
