// bench/pop3: RETR of every message in a 10,000-message maildrop, as the peers' pop3_bench.py does
// against Dovecot (USER/PASS, STAT, UIDL, RETR all, QUIT). Loads the peers' deterministic messages
// through deliver() into a fresh data dir, runs `bin/postern serve` as a separate process (so the
// client's CPU is not counted), runs pop3_bench.py twice (the first login computes and records the
// POP3 sizes; the second is warm), and prints a table with messages/s, server CPU and peak RSS.
// Usage: node bench/pop3/run.ts [--count 10000] [--peers ../shared/peers] [--runs 3]
import { PEERS_DIR } from '../tool-kit.ts';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { openStore } from '../../src/store/sqlite/store.ts';
import { deliver } from '../../src/delivery/deliver.ts';
import { hashPassword } from '../../src/login/password.ts';
import { systemClock } from '../../src/clock.ts';

const { values } = parseArgs({ options: {
  count: { type: 'string', default: '10000' },
  peers: { type: 'string', default: PEERS_DIR },
  runs: { type: 'string', default: '3' },
  port: { type: 'string', default: '10110' },
} });
const count = Number(values.count);
const peers = values.peers!;
const here = import.meta.dirname;
const root = path.resolve(here, '../..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-bench-pop3-'));
const user = 'u10k@example.test';

async function load(): Promise<number> {
  const store = openStore(dataDir, { clock: systemClock, migrate: true });
  const domain = await store.domains.add('example.test', []);
  const account = await store.accounts.add(user, domain.id, await hashPassword('pass'));
  const { stdout } = await promisify(execFile)('python3', [path.join(here, 'dump_messages.py'), peers, String(count), '1'], { encoding: 'buffer', maxBuffer: 1 << 30 });
  const started = performance.now();
  const pending: Promise<unknown>[] = [];
  for (let o = 0; o < stdout.length;) {
    const len = stdout.readUInt32BE(o);
    const date = Number(stdout.readBigUInt64BE(o + 4));
    const seen = stdout[o + 12] === 1;
    const raw = stdout.subarray(o + 13, o + 13 + len);
    o += 13 + len;
    pending.push(deliver(store, { raw, recipients: [{ accountId: account.id }], internalDate: date * 1000, flags: seen ? ['\\Seen'] : [] }));
    if (pending.length >= 256) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  const seconds = (performance.now() - started) / 1000;
  store.close();
  return seconds;
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the server did not listen on ${port}`);
}

/** User and system CPU seconds of a process so far (/proc/PID/stat fields 14 and 15). */
function cpuSplit(pid: number): { user: number; sys: number } {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const tick = 100;
  return { user: Number(fields[11]) / tick, sys: Number(fields[12]) / tick };
}

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

function vmHwmMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

const loadS = await load();
const configFile = path.join(dataDir, 'postern.toml');
fs.writeFileSync(configFile, [
  `data_dir = "${dataDir}"`, 'hostname = "localhost"',
  '[listen]', `pop3 = "127.0.0.1:${values.port}"`,
  ...['smtp', 'submission', 'submissions', 'imap', 'imaps', 'pop3s', 'http', 'ops'].map((n) => `${n} = false`),
  '[pop3]', 'allow_plaintext_loopback = true',
  '[log]', 'level = "warn"', '',
].join('\n'));
const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
const server = spawn(process.execPath, [...nodeArgs, path.join(root, 'bin/postern'), 'serve', '--config', configFile], { stdio: ['ignore', 'inherit', 'inherit'] });
await waitForPort(Number(values.port));
const idleRssMb = rssMb(server.pid!);
const rows: { run: number; retr_all_s: number; msgs_per_s: number; login_s: number; server_cpu_s: number; user_s: number; sys_s: number }[] = [];
try {
  for (let run = 1; run <= Number(values.runs); run++) {
    const cpuBefore = cpuSplit(server.pid!);
    const { stdout } = await promisify(execFile)('python3', [path.join(peers, 'pop3_bench.py'), '--port', values.port!, '--user', user, '--server-pid', String(server.pid)], { maxBuffer: 1 << 26 });
    const result = JSON.parse(stdout) as { steps: Record<string, { wall_s: number; server_cpu_s?: number; msgs_per_s?: number; retrieved?: number }> };
    const retr = result.steps.retr_all!;
    if (retr.retrieved !== count) throw new Error(`retrieved ${retr.retrieved} of ${count}`);
    const cpuAfter = cpuSplit(server.pid!);
    rows.push({ run, retr_all_s: retr.wall_s, msgs_per_s: retr.msgs_per_s!, login_s: result.steps.connect_login!.wall_s, server_cpu_s: retr.server_cpu_s ?? NaN,
      user_s: cpuAfter.user - cpuBefore.user, sys_s: cpuAfter.sys - cpuBefore.sys });
  }
  const peak = vmHwmMb(server.pid!);
  console.log(`POP3 bench: ${count} messages loaded through deliver() in ${loadS.toFixed(1)} s; server RSS idle ${idleRssMb.toFixed(1)} MB, peak (VmHWM) ${peak.toFixed(1)} MB`);
  console.log('run | login+snapshot s | RETR all s | msgs/s | server CPU s (RETR) | whole session user/sys s | vs Dovecot ~3000 msg/s');
  for (const r of rows) console.log(`${r.run} | ${r.login_s.toFixed(3)} | ${r.retr_all_s.toFixed(2)} | ${r.msgs_per_s.toFixed(0)} | ${r.server_cpu_s.toFixed(2)} | ${r.user_s.toFixed(2)}/${r.sys_s.toFixed(2)} | ${(r.msgs_per_s / 3000).toFixed(2)}x`);
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  fs.rmSync(dataDir, { recursive: true, force: true });
}
