// IMAP benchmark (issue 5): a mailbox of N messages from ../shared/peers/gen_messages.py (seed 1),
// loaded through the one delivery function, served by an in-process IMAP listener and driven by the
// peers' imaplib script, with the server in its own process (bench/imap-serve.ts) so the figures
// compare with Dovecot's. Prints a table: wall time, server and client CPU per step, then the
// server's event-loop delay and memory. Optional: --idle N runs imap_idle.py.
// Usage: node bench/imap.ts [--count 100000] [--idle 10000] [--only-idle] [--fresh]
import { PEERS_DIR } from './tool-kit.ts';
import fs from 'node:fs';
import path from 'node:path';
import { execFile, spawn } from 'node:child_process';
import readline from 'node:readline';
import { promisify } from 'node:util';
import pino from 'pino';
import { validateConfig } from '../src/config/load.ts';
import { buildContext } from '../src/cli/serve.ts';
import { hashPassword } from '../src/login/password.ts';
import { deliver } from '../src/delivery/deliver.ts';
import { ensureSearchIndex } from './search-index.ts';

const run = promisify(execFile);
const PEERS = PEERS_DIR;
const USER = 'bench@example.test';
const IDLE_USER = 'idle@example.test';
const PASS = 'pass';
const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : dflt;
};
const count = Number(opt('count', '100000'));
const idle = Number(opt('idle', '0'));
const root = opt('dir', '/tmp/postern-bench');
const maildir = path.join(root, `maildir-${count}`);
const dataDir = path.join(root, `data-${count}`);
// Dovecot on the same machine (../shared/peers/README.md), 100k messages, wall seconds.
const DOVECOT: Record<string, number> = { login_select: 0.45, uid_fetch_flags: 1.04, fetch_env_bs: 1.71, fetch_bodies: 2.85, search_header: 0.35, search_body_miss: 4.51, store_add: 3.19 };
const TARGET: Record<string, number> = { login_select: 0.2, fetch_env_bs: 1.5, fetch_bodies: 3, search_header: 0.3, store_add: 1.5 };

async function ensureMaildir(): Promise<void> {
  if (fs.existsSync(path.join(maildir, 'cur'))) return;
  fs.mkdirSync(root, { recursive: true });
  console.error(`generating ${count} messages in ${maildir} ...`);
  await run('python3', [path.join(PEERS, 'gen_messages.py'), 'maildir', '--dir', maildir, '--count', String(count), '--seed', '1'], { maxBuffer: 1 << 24 });
}

async function main(): Promise<void> {
  await ensureMaildir();
  if (args.includes('--fresh')) fs.rmSync(dataDir, { recursive: true, force: true });
  const loaded = fs.existsSync(path.join(dataDir, 'loaded'));
  const config = validateConfig({ hostname: 'bench.example.test', data_dir: dataDir, imap: { allow_plaintext_loopback: true, max_sessions_per_user: 20000 }, log: { level: 'silent' }, limits: { connections_per_ip: 20000, connections_total: 20000 } }, null);
  const ctx = await buildContext(config, pino({ level: 'silent' }));
  if (!loaded) {
    const domain = await ctx.store.domains.add('example.test', []);
    const account = await ctx.store.accounts.add(USER, domain.id, await hashPassword(PASS));
    const files = fs.readdirSync(path.join(maildir, 'cur'))
      .map((f) => ({ f, i: Number(/\.M(\d+)P/.exec(f)![1]) }))
      .sort((a, b) => a.i - b.i);
    const t0 = performance.now();
    for (let k = 0; k < files.length; k += 500) {
      await Promise.all(files.slice(k, k + 500).map(({ f }) => {
        const p = path.join(maildir, 'cur', f);
        const raw = Buffer.from(fs.readFileSync(p, 'latin1').replace(/\n/g, '\r\n'), 'latin1');
        return deliver(ctx.store, { raw, recipients: [{ accountId: account.id }], internalDate: fs.statSync(p).mtimeMs, flags: f.endsWith(',S') ? ['\\Seen'] : [] });
      }));
    }
    const s = (performance.now() - t0) / 1000;
    console.log(`loaded ${files.length} messages through deliver() in ${s.toFixed(1)} s (${Math.round(files.length / s)} msg/s)`);
    fs.writeFileSync(path.join(dataDir, 'loaded'), '');
  }
  // A data dir loaded by an older Postern may predate the full-text index: SEARCH would scan it.
  await ensureSearchIndex(ctx.store, dataDir);
  // IDLE runs use their own small mailbox, as the peers' Dovecot baseline does.
  if (!(await ctx.store.accounts.byAddress(IDLE_USER))) {
    const domain = (await ctx.store.domains.find('example.test'))!;
    const idler = await ctx.store.accounts.add(IDLE_USER, domain.id, await hashPassword(PASS));
    for (let i = 1; i <= 10; i++) {
      await deliver(ctx.store, { raw: Buffer.from(`From: a@example.test\r\nSubject: idle ${i}\r\n\r\nhello\r\n`), recipients: [{ accountId: idler.id }] });
    }
  }
  await ctx.store.close();
  const server = spawn(process.execPath, [new URL('./imap-serve.ts', import.meta.url).pathname, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: server.stdout! });
  const it = lines[Symbol.asyncIterator]();
  const { port } = JSON.parse((await it.next()).value as string) as { port: number };
  const pid = String(server.pid);
  if (!args.includes('--only-idle')) {
    const { stdout } = await run('python3', [path.join(PEERS, 'imap_bench.py'), '--port', String(port), '--user', USER, '--password', PASS, '--server-pid', pid], { maxBuffer: 1 << 26 });
    const result = JSON.parse(stdout.trim().split('\n').pop()!);
    const steps = result.steps ?? result;
    console.log(`\nIMAP, ${count} messages, imaplib (../shared/peers/imap_bench.py) against bench/imap-serve.ts (Node ${process.version})`);
    console.log('| step | wall s | server CPU s | client CPU s | Dovecot wall s (100k) | target s |');
    console.log('| --- | --- | --- | --- | --- | --- |');
    for (const [name, v] of Object.entries(steps as Record<string, { wall_s?: number; server_cpu_s?: number; client_cpu_s?: number }>)) {
      if (typeof v !== 'object' || v === null || v.wall_s === undefined) continue;
      console.log(`| ${name} | ${v.wall_s.toFixed(3)} | ${v.server_cpu_s?.toFixed(3) ?? '-'} | ${v.client_cpu_s?.toFixed(3) ?? '-'} | ${DOVECOT[name] ?? '-'} | ${TARGET[name] ?? '-'} |`);
    }
    if (result.server_mem_before_logout) console.log(`server memory: ${JSON.stringify(result.server_mem_before_logout)}`);
  }
  if (idle > 0) {
    const { stdout: idleOut } = await run('python3', [path.join(PEERS, 'imap_idle.py'), '--port', String(port), '--user', IDLE_USER, '--password', PASS, '--sessions', String(idle), '--server-pid', pid], { maxBuffer: 1 << 24, timeout: 900_000 });
    console.log(`\nIDLE, ${idle} sessions of ${IDLE_USER} (10 messages): ${idleOut.trim()}`);
  }
  server.kill('SIGTERM');
  console.log(`server event loop and memory: ${(await it.next()).value}`);
}

await main();
