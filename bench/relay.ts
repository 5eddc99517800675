// bench/relay: messages submitted to Postern (587, STARTTLS, AUTH PLAIN) and relayed, DKIM-signed
// (RSA-2048 and Ed25519), to Postfix's smtp-sink. Prints messages/s end to end (first submission
// until the queue is empty, i.e. every message accepted by the sink), the submission rate, peak RSS
// of the Postern process and event-loop-independent totals. Not a timed test; run by hand:
//   . scripts/node24.sh && node bench/relay.ts [--messages 5000] [--connections 20] [--size 4096]
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { startDnsServer } from '../test/fixtures/dns-server.ts';
import { makeTestCert } from '../test/fixtures/test-cert.ts';
import { openStore } from '../src/store/sqlite/store.ts';
import { generateDkimKeys } from '../src/email-auth/dkim-keys.ts';
import { hashPassword } from '../src/login/password.ts';

const { values } = parseArgs({ options: { messages: { type: 'string', default: '5000' }, connections: { type: 'string', default: '20' }, size: { type: 'string', default: '4096' } } });
const N = Number(values.messages);
const C = Number(values.connections);
const SIZE = Number(values.size);

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function waitPort(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((resolve) => { const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); }); s.on('error', () => resolve(false)); });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`port ${port} never opened`);
}

// utime+stime of a process and its threads, in seconds (/proc/PID/stat fields 14 and 15).
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function peakRss(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-bench-'));
const children: ChildProcess[] = [];
try {
  const sinkPort = await freePort();
  const sink = spawn('smtp-sink', ['-u', 'nobody', `127.0.0.1:${sinkPort}`, '1024'], { stdio: 'ignore' });
  children.push(sink);
  const dns = await startDnsServer({ 'sink.test': { MX: [{ priority: 10, exchange: 'mx.sink.test' }] }, 'mx.sink.test': { A: ['127.0.0.1'] } });
  const cert = makeTestCert(['mail.example.test']);
  fs.writeFileSync(path.join(dir, 'cert.pem'), cert.cert);
  fs.writeFileSync(path.join(dir, 'key.pem'), cert.key);
  const subPort = await freePort();
  const dataDir = path.join(dir, 'data');
  const store = openStore(dataDir, { clock: { now: () => Date.now() }, migrate: true });
  const domain = await store.domains.add('example.test', generateDkimKeys(new Date()));
  await store.accounts.add('bench@example.test', domain.id, await hashPassword('bench-secret'));
  fs.writeFileSync(path.join(dir, 'postern.toml'), `hostname = "mail.example.test"
data_dir = "${dataDir}"
[listen]
smtp = false
submission = "127.0.0.1:${subPort}"
submissions = false
imap = false
imaps = false
pop3 = false
pop3s = false
http = false
ops = false
[tls]
cert = "${dir}/cert.pem"
key = "${dir}/key.pem"
[dns]
servers = ["${dns.server}"]
[submission]
messages_per_hour = 10000000
[spam]
outbound_messages_per_day = 0
outbound_new_recipients_per_day = 0
[testing]
remote_smtp_port = ${sinkPort}
allow_private_mx = true
[log]
level = "warn"
`);
  const server = spawn(process.execPath, [...(process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.BENCH_PROF] : []), 'bin/postern', 'serve', '--config', path.join(dir, 'postern.toml')], { stdio: ['ignore', process.env.BENCH_LOG ? fs.openSync(process.env.BENCH_LOG, 'a') : 'ignore', 'inherit'] });
  children.push(server);
  await waitPort(subPort);
  await waitPort(sinkPort);

  const body = 'x'.repeat(76) + '\r\n';
  const message = (i: number) => `From: Bench <bench@example.test>\r\nTo: user${i}@sink.test\r\nSubject: bench ${i}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n${body.repeat(Math.max(1, Math.floor(SIZE / body.length)))}`;
  let next = 0;
  const serverCpuBefore = cpuSeconds(server.pid!);
  const loadgenCpuBefore = process.cpuUsage();
  const started = Date.now();
  await Promise.all(Array.from({ length: C }, async () => {
    const conn = new SMTPConnection({ host: '127.0.0.1', port: subPort, requireTLS: true, tls: { rejectUnauthorized: false }, logger: false });
    await new Promise<void>((resolve, reject) => { conn.once('error', reject); conn.connect(() => resolve()); });
    await new Promise<void>((resolve, reject) => conn.login({ user: 'bench@example.test', pass: 'bench-secret', method: 'PLAIN' }, (e) => (e ? reject(e) : resolve())));
    while (next < N) {
      const i = next++;
      await new Promise<void>((resolve, reject) => conn.send({ from: 'bench@example.test', to: [`user${i}@sink.test`] }, message(i), (e) => (e ? reject(e) : resolve())));
    }
    conn.quit();
  }));
  const accepted = Date.now();
  for (;;) {
    if ((await store.queue.nextDue()) === null) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const done = Date.now();
  const rss = peakRss(server.pid!);
  const serverCpu = cpuSeconds(server.pid!) - serverCpuBefore;
  const loadgen = process.cpuUsage(loadgenCpuBefore);
  const rows = [
    ['messages', N], ['connections', C], ['message bytes', message(0).length],
    ['submit msgs/s (accepted)', Math.round(N / ((accepted - started) / 1000))],
    ['end-to-end msgs/s (accepted → sink)', Math.round(N / ((done - started) / 1000))],
    ['end-to-end seconds', ((done - started) / 1000).toFixed(2)],
    ['peak RSS (MiB)', (rss / 1048576).toFixed(1)],
    ['server CPU ms per message', (serverCpu * 1000 / N).toFixed(2)],
    ['load generator CPU s', ((loadgen.user + loadgen.system) / 1e6).toFixed(2)],
    ['load average (1 min)', os.loadavg()[0]!.toFixed(2)],
  ];
  for (const [k, v] of rows) console.log(`${String(k).padEnd(38)} ${v}`);
  console.log(JSON.stringify(Object.fromEntries(rows)));
  store.close();
  await dns.close();
} finally {
  for (const c of children) c.kill('SIGTERM');
  fs.rmSync(dir, { recursive: true, force: true });
}
