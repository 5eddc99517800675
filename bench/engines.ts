// bench/engines (issue 14): the two store engines side by side in one session, each behind real
// `postern serve` processes (bin/postern, a config each): SQLite (one node), PostgreSQL with one
// node, and two nodes on one PostgreSQL database. Measured: port-25 ingest with Postfix's
// smtp-source (msg/s of 250s = committed; with two nodes the sessions are split between them),
// loading a mailbox through the delivery function, the peers' imaplib run (../shared/peers/imap_bench.py:
// FETCH and STORE over the whole mailbox) per engine, and the change-bus latency from the 250 on
// one node to "* N EXISTS" in an IDLE session (p50/p99; on SQLite the same node, on PostgreSQL the
// other node). Starts its own PostgreSQL (test/fixtures/postgres.ts) unless POSTERN_TEST_PG_URL names
// one. Prints tables. Not a CI test.
// --users N spreads the ingest over N mailboxes (each smtp-source process to its own user): one
// user is the worst case (every delivery takes that account's lock), many is a provider's load.
//   node bench/engines.ts [--inbound 5000] [--imap 20000] [--latency 200] [--sessions 20] [--users 1] [--peers DIR]
import { PEERS_DIR } from './tool-kit.ts';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'smol-toml';
import { performance } from 'node:perf_hooks';
import { startPostgres } from '../test/fixtures/postgres.ts';
import { startDnsServer } from '../test/fixtures/dns-server.ts';
import { makeInstance, serve, addUser, type Instance, type Running } from '../test/fixtures/postern.ts';
import { connectWire } from '../test/fixtures/smtp-wire.ts';
import { validateConfig } from '../src/config/load.ts';
import { openConfiguredStore } from '../src/store/engines/open-store.ts';
import { deliver } from '../src/delivery/deliver.ts';
import { systemClock } from '../src/clock.ts';

const run = promisify(execFile);
const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => { const i = args.indexOf(`--${name}`); return i >= 0 ? Number(args[i + 1]) : dflt; };
const INBOUND = opt('inbound', 5000);
const IMAP_COUNT = opt('imap', 20000);
const LATENCY = opt('latency', 200);
const SESSIONS = opt('sessions', 20);
const USERS = opt('users', 1);
const peersAt = args.indexOf('--peers');
// The shared tool kit beside the repository (../shared/peers), or --peers DIR.
const PEERS = peersAt >= 0 ? path.resolve(args[peersAt + 1]!) : PEERS_DIR;
const USER = 'user@example.test';
const PASS = 'bench-pass';

type Setup = 'SQLite, 1 node' | 'PostgreSQL, 1 node' | 'PostgreSQL, 2 nodes';

async function startNodes(setup: Setup): Promise<{ instances: Instance[]; nodes: Running[] }> {
  const store = setup === 'SQLite, 1 node' ? {} : { engine: 'postgres', url: await pg.freshDatabase(), max_connections: 10 };
  const count = setup === 'PostgreSQL, 2 nodes' ? 2 : 1;
  const instances = Array.from({ length: count }, (_, i) => makeInstance({
    hostname: `node${i}.bench.test`,
    store,
    listen: { smtp: '127.0.0.1:0', imap: '127.0.0.1:0', submission: false, submissions: false, imaps: false, pop3: false, pop3s: false, http: false, ops: false, managesieve: false },
    dns: { servers: [dns.server], timeout_ms: 2000, tries: 1 },
    limits: { connections_per_ip: 10000 },
    imap: { allow_plaintext_loopback: true, max_sessions_per_user: 1000 },
    queue: { tls_reports: false },
    log: { level: 'info' },
  }));
  const nodes = [await serve(instances[0]!, 30_000)];
  addUser(instances[0]!, USER, PASS);
  for (let u = 1; u < USERS; u++) addUser(instances[0]!, `user${u}@example.test`, PASS);
  for (const instance of instances.slice(1)) nodes.push(await serve(instance, 30_000));
  return { instances, nodes };
}

async function stopNodes(s: { instances: Instance[]; nodes: Running[] }): Promise<void> {
  await Promise.all(s.nodes.map((n) => n.stop()));
  for (const i of s.instances) fs.rmSync(i.dir, { recursive: true, force: true });
}

/** smtp-source against every node at once, the sessions and messages split evenly over nodes and users; msg/s of 250s. */
async function ingest(nodes: Running[]): Promise<number> {
  const users = Array.from({ length: USERS }, (_, u) => (u === 0 ? USER : `user${u}@example.test`));
  const jobs = nodes.flatMap((n) => users.map((to) => ({ n, to })));
  const started = performance.now();
  await Promise.all(jobs.map(({ n, to }) => run('/usr/sbin/smtp-source', ['-4', '-s', String(Math.max(1, SESSIONS / jobs.length)), '-m', String(INBOUND / jobs.length), '-l', '4096',
    '-f', 'load@example.test', '-t', to, '-M', 'client.example', `127.0.0.1:${n.ports.smtp}`], { maxBuffer: 1 << 26 })));
  return INBOUND / ((performance.now() - started) / 1000);
}

/** An IDLE session on `port`: resolves `exists(n)` when the mailbox reports at least n messages. */
async function idleSession(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  let text = '';
  let exists = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  let pending: { re: RegExp; resolve: () => void } | null = null;
  socket.on('data', (d) => {
    text += d.toString('latin1');
    for (const m of text.matchAll(/\* (\d+) EXISTS\r\n/g)) exists = Math.max(exists, Number(m[1]));
    if (pending?.re.test(text)) { pending.resolve(); pending = null; }
    text = text.slice(Math.max(0, text.lastIndexOf('\r\n') + 2));
    for (const w of waiters.filter((x) => exists >= x.n)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(); }
  });
  const until = (re: RegExp) => new Promise<void>((resolve) => { pending = { re, resolve }; });
  await until(/^\* OK/m);
  socket.write(`a LOGIN ${USER} ${PASS}\r\n`);
  await until(/^a OK/m);
  socket.write('b SELECT INBOX\r\n');
  await until(/^b OK/m);
  socket.write('c IDLE\r\n');
  await until(/^\+ /m);
  return {
    get count() { return exists; },
    exists: (n: number) => new Promise<void>((resolve) => { if (exists >= n) resolve(); else waiters.push({ n, resolve }); }),
    close: () => socket.destroy(),
  };
}

/** One port-25 session on `from`, one message at a time; ms from each 250 to EXISTS in IDLE on `to`. */
async function busLatency(from: Running, to: Running): Promise<{ p50: number; p99: number }> {
  const idle = await idleSession(to.ports.imap!);
  const wire = await connectWire(from.ports.smtp!);
  await wire.reply();
  await wire.cmd('EHLO client.example.test');
  const latencies: number[] = [];
  for (let i = 0; i < LATENCY; i++) {
    const expected = idle.count + 1;
    await wire.cmd('MAIL FROM:<load@example.test>');
    await wire.cmd(`RCPT TO:<${USER}>`);
    await wire.cmd('DATA');
    wire.write(`From: load@example.test\r\nTo: ${USER}\r\nSubject: latency ${i}\r\nMessage-ID: <latency-${i}@example.test>\r\n\r\nx\r\n.\r\n`);
    const reply = await wire.reply(10_000);
    if (!reply.startsWith('250')) throw new Error(`delivery refused: ${reply}`);
    const acked = performance.now();
    await idle.exists(expected);
    latencies.push(performance.now() - acked);
  }
  wire.close();
  idle.close();
  latencies.sort((x, y) => x - y);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
  return { p50: q(0.5), p99: q(0.99) };
}

/** The peers' maildir of IMAP_COUNT messages (gen_messages.py, seed 1), made once. */
async function maildir(): Promise<string> {
  const dir = path.join('/tmp/postern-bench', `maildir-${IMAP_COUNT}`);
  if (!fs.existsSync(path.join(dir, 'cur'))) {
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    await run('python3', [path.join(PEERS, 'gen_messages.py'), 'maildir', '--dir', dir, '--count', String(IMAP_COUNT), '--seed', '1'], { maxBuffer: 1 << 24 });
  }
  return dir;
}

/** Loads the maildir through deliver() into the node's store (msg/s), then runs imap_bench.py against the node. */
async function imapRun(s: { instances: Instance[]; nodes: Running[] }, dir: string): Promise<{ load: number; steps: Record<string, { wall_s?: number }> }> {
  const config = validateConfig(parse(fs.readFileSync(s.instances[0]!.configFile, 'utf8')), null);
  const store = await openConfiguredStore(config, { clock: systemClock, migrate: false });
  const account = (await store.accounts.byAddress(USER))!;
  const files = fs.readdirSync(path.join(dir, 'cur')).map((f) => ({ f, i: Number(/\.M(\d+)P/.exec(f)![1]) })).sort((a, b) => a.i - b.i);
  const started = performance.now();
  for (let k = 0; k < files.length; k += 200) {
    await Promise.all(files.slice(k, k + 200).map(({ f }) => {
      const p = path.join(dir, 'cur', f);
      const bytes = Buffer.from(fs.readFileSync(p, 'latin1').replace(/\n/g, '\r\n'), 'latin1');
      return deliver(store, { raw: bytes, recipients: [{ accountId: account.id }], internalDate: fs.statSync(p).mtimeMs, flags: f.endsWith(',S') ? ['\\Seen'] : [] });
    }));
  }
  const load = files.length / ((performance.now() - started) / 1000);
  await store.close();
  const node = s.nodes[0]!;
  const { stdout } = await run('python3', [path.join(PEERS, 'imap_bench.py'), '--port', String(node.ports.imap), '--user', USER, '--password', PASS,
    '--server-pid', String(node.process.pid), '--skip', 'search_body_miss'], { maxBuffer: 1 << 26, timeout: 1_800_000 });
  const result = JSON.parse(stdout.trim().split('\n').pop()!) as { steps?: Record<string, { wall_s?: number }> };
  return { load, steps: result.steps ?? (result as Record<string, { wall_s?: number }>) };
}

const dir = IMAP_COUNT > 0 ? await maildir() : '';
const pg = await startPostgres();
const dns = await startDnsServer({ 'example.test': { TXT: ['v=spf1 ip4:127.0.0.1 -all'] } });
const rows: { setup: Setup; ingest: number; p50: number; p99: number; load?: number; steps?: Record<string, { wall_s?: number }> }[] = [];
try {
  for (const setup of ['SQLite, 1 node', 'PostgreSQL, 1 node', 'PostgreSQL, 2 nodes'] as const) {
    const s = await startNodes(setup);
    try {
      console.error(`${setup}: ingest ...`);
      const rate = await ingest(s.nodes);
      console.error(`${setup}: change-bus latency ...`);
      const lat = await busLatency(s.nodes[0]!, s.nodes[s.nodes.length - 1]!);
      const row: (typeof rows)[number] = { setup, ingest: rate, ...lat };
      if (IMAP_COUNT > 0 && setup !== 'PostgreSQL, 2 nodes') {
        console.error(`${setup}: IMAP, ${IMAP_COUNT} messages ...`);
        Object.assign(row, await imapRun(s, dir));
      }
      rows.push(row);
    } finally {
      await stopNodes(s);
    }
  }
} finally {
  await dns.close();
  await pg.stop();
}

const base = rows[0]!;
const f = (n: number | undefined, d = 0) => (n === undefined ? '-' : n.toFixed(d));
console.log(`\nPort 25 with smtp-source (${INBOUND} × 4 KiB, ${SESSIONS} sessions, ${USERS} recipient mailbox${USERS > 1 ? 'es' : ''}), change bus (${LATENCY} deliveries, 250 → EXISTS in IDLE; PostgreSQL 2 nodes: across nodes), Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
console.log('| setup | ingest msg/s | × SQLite | 250 → EXISTS p50 ms | p99 ms |');
console.log('|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.setup} | ${f(r.ingest)} | ${(r.ingest / base.ingest).toFixed(2)} | ${f(r.p50, 1)} | ${f(r.p99, 1)} |`);
const STEPS = ['login_select', 'uid_fetch_flags', 'fetch_env_bs', 'fetch_bodies', 'search_header', 'store_add', 'store_remove'];
const imapRows = rows.filter((r) => r.steps);
if (imapRows.length > 0) {
  console.log(`\nIMAP, ${IMAP_COUNT} messages (../shared/peers/imap_bench.py, one imaplib session), wall seconds; load = deliver() msg/s`);
  console.log(`| setup | load msg/s | ${STEPS.join(' | ')} |`);
  console.log(`|---|---|${STEPS.map(() => '---').join('|')}|`);
  for (const r of imapRows) console.log(`| ${r.setup} | ${f(r.load)} | ${STEPS.map((k) => f(r.steps![k]?.wall_s, 2)).join(' | ')} |`);
}
