// bench/backup (issue 15): time and peak RSS of `postern backup`, `verify` and `restore` on a store of
// N messages (default 100,000, from ../shared/peers/gen_messages.py, loaded through the one delivery
// function), next to `sqlite3 .backup` and a plain `cp` of the same database in the same minutes:
// the three copies alternate for --rounds rounds, each into an empty folder after a `sync` (so no
// copy pays for the previous one's writeback), and the table gives each one's median, min and max;
// the ratio is of the medians. Then inbound SMTP latency (paced sessions, final 250) and the server's
// event-loop delay, alternating a quiet phase and a `postern backup` against the live server for
// --rounds rounds; the ratio is of the median p99s. Prints tables. Not a CI test.
//   node bench/backup.ts [--count 100000] [--rounds 5] [--dir /tmp/postern-bench-backup] [--peers ../shared/peers] [--fresh]
import { PEERS_DIR } from './tool-kit.ts';
import { execFile, fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { validateConfig } from '../src/config/load.ts';
import { buildContext } from '../src/cli/serve.ts';
import { deliver } from '../src/delivery/deliver.ts';
import { startDnsServer } from '../test/fixtures/dns-server.ts';
import { connectWire } from '../test/fixtures/smtp-wire.ts';

const run = promisify(execFile);
const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1]! : dflt; };
const count = Number(opt('count', '100000'));
const rounds = Number(opt('rounds', '5'));
const root = opt('dir', '/tmp/postern-bench-backup');
const PEERS = path.resolve(opt('peers', PEERS_DIR));
const BIN = path.resolve(import.meta.dirname, '../bin/postern');
const maildir = path.join(root, `maildir-${count}`);
const dataDir = path.join(root, `data-${count}`);
const out = path.join(root, 'out');
const configFile = path.join(root, 'postern.toml');
/** Paced inbound load: sessions, and the pause between one session's messages. */
const SESSIONS = 4;
const PAUSE_MS = 25;
const BASELINE_S = 10;

async function ensureStore(): Promise<void> {
  if (args.includes('--fresh')) fs.rmSync(dataDir, { recursive: true, force: true });
  if (fs.existsSync(path.join(dataDir, 'loaded'))) return;
  if (!fs.existsSync(path.join(maildir, 'cur'))) {
    fs.mkdirSync(root, { recursive: true });
    console.error(`generating ${count} messages in ${maildir} ...`);
    await run('python3', [path.join(PEERS, 'gen_messages.py'), 'maildir', '--dir', maildir, '--count', String(count), '--seed', '1'], { maxBuffer: 1 << 24 });
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
  const config = validateConfig({ hostname: 'bench.example.test', data_dir: dataDir, log: { level: 'silent' } }, null);
  const ctx = await buildContext(config, pino({ level: 'silent' }));
  const domain = await ctx.store.domains.add('example.test', []);
  const account = await ctx.store.accounts.add('user@example.test', domain.id, '$scrypt$bench');
  const files = fs.readdirSync(path.join(maildir, 'cur')).sort();
  console.error(`loading ${files.length} messages into ${dataDir} ...`);
  for (let k = 0; k < files.length; k += 500) {
    await Promise.all(files.slice(k, k + 500).map((f) => {
      const raw = Buffer.from(fs.readFileSync(path.join(maildir, 'cur', f), 'latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
      return deliver(ctx.store, { raw, recipients: [{ accountId: account.id }], flags: f.endsWith('S') ? ['\\Seen'] : [] });
    }));
  }
  await ctx.store.close();
  fs.writeFileSync(path.join(dataDir, 'loaded'), '');
}

interface Timed { step: string; seconds: number; rssMiB: number; note: string }

/** Runs a command under /usr/bin/time: wall seconds and peak RSS. */
async function timed(step: string, cmd: string, argv: string[], note = ''): Promise<Timed> {
  const r = await run('/usr/bin/time', ['-f', 'TIME %e %M', cmd, ...argv], { maxBuffer: 1 << 26 }).catch((err: { stdout: string; stderr: string; code: number }) => {
    throw new Error(`${step} failed (${err.code}):\n${err.stdout}\n${err.stderr}`);
  });
  const m = /TIME ([\d.]+) (\d+)/.exec(r.stderr)!;
  return { step, seconds: Number(m[1]), rssMiB: Math.round(Number(m[2]) / 1024), note };
}

const sizeMiB = (f: string) => (fs.statSync(f).size / 2 ** 20).toFixed(0);
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2; };

/** An empty `out`, and no dirty pages left from the step before. */
async function cleanOut(): Promise<void> {
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  await run('sync', []);
}

interface Summary { step: string; median: number; min: number; max: number; rssMiB: number; note: string }

function summarize(runs: Timed[]): Summary[] {
  const steps = [...new Set(runs.map((r) => r.step))];
  return steps.map((step) => {
    const mine = runs.filter((r) => r.step === step);
    const s = mine.map((r) => r.seconds);
    return { step, median: median(s), min: Math.min(...s), max: Math.max(...s), rssMiB: Math.max(...mine.map((r) => r.rssMiB)), note: mine[0]!.note };
  });
}

async function offline(): Promise<Summary[]> {
  const db = path.join(dataDir, 'postern.db');
  // Every copy starts from a warm page cache.
  await run('sh', ['-c', `cat '${db}' > /dev/null`]);
  const runs: Timed[] = [];
  for (let round = 0; round < rounds; round++) {
    await cleanOut();
    runs.push(await timed('cp (database not in use)', 'cp', [db, path.join(out, 'cp.db')], `${sizeMiB(db)} MiB, no fsync`));
    await cleanOut();
    runs.push(await timed('sqlite3 .backup', 'sqlite3', [db, `.backup '${path.join(out, 'sqlite3.db')}'`], 'fsynced'));
    await cleanOut();
    runs.push(await timed('postern backup', process.execPath, [BIN, 'backup', path.join(out, 'b1'), '--config', configFile], 'snapshot + files + SHA-256 manifest, fsynced'));
  }
  runs.push(await timed('postern verify (store)', process.execPath, [BIN, 'verify', '--config', configFile], `${count} messages`));
  runs.push(await timed('postern verify DIR (backup)', process.execPath, [BIN, 'verify', path.join(out, 'b1'), '--config', configFile], 'manifest hashes + checks'));
  const restoreConfig = path.join(root, 'restore.toml');
  fs.writeFileSync(restoreConfig, `data_dir = "${path.join(out, 'restored')}"\n`);
  runs.push(await timed('postern restore', process.execPath, [BIN, 'restore', path.join(out, 'b1'), '--config', restoreConfig], 'verifies the backup first'));
  return summarize(runs);
}

interface LoadRow { phase: string; messages: number; p50ms: number; p99ms: number; maxMs: number; eldP99ms: number; eldMaxMs: number }

async function underLoad(): Promise<{ rows: LoadRow[]; backupS: number[] }> {
  const dns = await startDnsServer({ 'load.test': { TXT: ['v=spf1 ip4:127.0.0.1 -all'] } });
  const server = fork(path.join(import.meta.dirname, 'smtp-inbound-server.ts'), [dataDir, dns.server], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ask = <T>(msg?: object) => new Promise<T>((resolve) => { server.once('message', (m) => resolve(m as T)); if (msg) server.send(msg); });
  const { port } = await ask<{ port: number }>();
  const latencies: { at: number; ms: number }[] = [];
  const stop = { now: false };
  const session = async (n: number) => {
    const w = await connectWire(port);
    await w.reply();
    await w.cmd('EHLO client.load.test');
    for (let i = 0; !stop.now; i++) {
      await w.cmd('MAIL FROM:<a@load.test>');
      await w.cmd('RCPT TO:<user@example.test>');
      await w.cmd('DATA');
      const t0 = performance.now();
      w.write(`From: <a@load.test>\r\nSubject: load ${n}-${i}\r\n\r\n${'x'.repeat(4000)}\r\n.\r\n`);
      if (!/^250 /.test(await w.reply())) throw new Error('not accepted');
      latencies.push({ at: t0, ms: performance.now() - t0 });
      await new Promise((r) => setTimeout(r, PAUSE_MS));
    }
    await w.cmd('QUIT');
    w.close();
  };
  const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(s.length * p))] ?? 0; };
  const phase = async (name: string, work: () => Promise<void>): Promise<LoadRow> => {
    await ask({ cmd: 'reset' });
    const from = performance.now();
    await work();
    const to = performance.now();
    const s = await ask<{ eventLoopDelayP99Ms: number; eventLoopDelayMaxMs: number }>({ cmd: 'stats' });
    const ms = latencies.filter((l) => l.at >= from && l.at < to).map((l) => l.ms);
    return { phase: name, messages: ms.length, p50ms: pct(ms, 0.5), p99ms: pct(ms, 0.99), maxMs: Math.max(0, ...ms), eldP99ms: s.eventLoopDelayP99Ms, eldMaxMs: s.eventLoopDelayMaxMs };
  };
  const load = Array.from({ length: SESSIONS }, (_, n) => session(n));
  await new Promise((r) => setTimeout(r, 2000));
  const rows: LoadRow[] = [];
  const backupS: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    await cleanOut();
    rows.push(await phase(`${round}: inbound alone (${BASELINE_S} s)`, () => new Promise((r) => setTimeout(r, BASELINE_S * 1000))));
    rows.push(await phase(`${round}: inbound during postern backup`, async () => {
      const t0 = performance.now();
      await run(process.execPath, [BIN, 'backup', path.join(out, 'b2'), '--config', configFile], { maxBuffer: 1 << 26 });
      backupS.push((performance.now() - t0) / 1000);
    }));
  }
  stop.now = true;
  await Promise.all(load);
  const exited = new Promise((r) => server.once('exit', r));
  server.send({ cmd: 'stop' });
  await exited;
  await dns.close();
  return { rows, backupS };
}

function table(rows: Record<string, unknown>[]): string {
  const cols = Object.keys(rows[0]!);
  const cell = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : String(v));
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => `| ${vals.map((v, i) => v.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(cols), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(cols.map((c) => cell(r[c]))))].join('\n');
}

await ensureStore();
fs.writeFileSync(configFile, `data_dir = "${dataDir}"\nhostname = "bench.example.test"\n`);
const rows = await offline();
const sqlite = rows.find((r) => r.step === 'sqlite3 .backup')!.median;
const ours = rows.find((r) => r.step === 'postern backup')!.median;
console.log(`\n${count} messages, database ${sizeMiB(path.join(dataDir, 'postern.db'))} MiB; copies alternated for ${rounds} rounds, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
console.log(table(rows.map((r) => ({ step: r.step, 'median s': r.median, 'min s': r.min, 'max s': r.max, 'peak RSS MiB': r.rssMiB, note: r.note }))));
console.log(`\npostern backup / sqlite3 .backup = ${(ours / sqlite).toFixed(2)}× of the medians (target ≤ 1.5×)`);
const load = await underLoad();
console.log(`\nInbound SMTP, ${SESSIONS} sessions each pausing ${PAUSE_MS} ms between 4 KiB messages; the backups under load took ${load.backupS.map((b) => b.toFixed(1)).join(', ')} s\n`);
console.log(table(load.rows.map((r) => ({ phase: r.phase, messages: r.messages, 'p50 ms': r.p50ms, 'p99 ms': r.p99ms, 'max ms': r.maxMs, 'loop delay p99 ms': r.eldP99ms, 'loop delay max ms': r.eldMaxMs }))));
const p99 = (during: boolean) => median(load.rows.filter((r) => r.phase.includes('during') === during).map((r) => r.p99ms));
console.log(`\nmedian p99 during backup / median p99 alone = ${(p99(true) / p99(false)).toFixed(2)}× (target < 2×)`);
