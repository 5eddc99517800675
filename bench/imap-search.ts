// SEARCH benchmark (issue 12): a mailbox of N synthetic messages (default 100,000; seeded, ~1 KiB of
// text each) stored through the one delivery function, then UID SEARCH BODY/TEXT/SUBJECT for a rare
// word (10 messages), a 1% word, a word in every message, a miss, and a two-character needle that
// the full-text index cannot narrow (a scan). Each runs over an in-memory IMAP session; the table
// shows median wall time of 5 runs and the longest event-loop stall seen meanwhile.
// Usage: node bench/imap-search.ts [--count 100000] [--dir /tmp/postern-bench-search] [--fresh]
import fs from 'node:fs';
import path from 'node:path';
import { duplexPair } from 'node:stream';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pino from 'pino';
import { openStore } from '../src/store/sqlite/store.ts';
import { systemClock } from '../src/clock.ts';
import { deliver } from '../src/delivery/deliver.ts';
import { ImapServices } from '../src/imap/session/services.ts';
import { COMMANDS } from '../src/imap/commands/registry.ts';
import { ImapSession } from '../src/imap/session/session.ts';
import { LoginThrottle } from '../src/login/throttle.ts';
import { hashPassword } from '../src/login/password.ts';
import { ensureSearchIndex } from './search-index.ts';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : dflt;
};
const count = Number(opt('count', '100000'));
const dir = path.join(opt('dir', '/tmp/postern-bench-search'), String(count));
if (args.includes('--fresh')) fs.rmSync(dir, { recursive: true, force: true });
fs.mkdirSync(dir, { recursive: true });

let seed = 1;
const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const VOCAB = Array.from({ length: 3000 }, (_, i) => `w${i.toString(36)}x${((i * 7919) % 997).toString(36)}`);

function message(i: number): Buffer {
  const words: string[] = [];
  for (let k = 0; k < 120; k++) words.push(VOCAB[Math.floor(rand() * VOCAB.length)]!);
  if (i % 10_000 === 7) words.push('zanzibar');
  if (i % 100 === 3) words.push('onepercentword');
  words.push('everywhere');
  const lines: string[] = [];
  for (let k = 0; k < words.length; k += 12) lines.push(words.slice(k, k + 12).join(' '));
  return Buffer.from(`From: Sender ${i % 50} <s${i % 50}@example.org>\r\nTo: bench@example.test\r\nSubject: report ${i} ${VOCAB[i % VOCAB.length]}\r\n`
    + `Date: Tue, 1 Dec 2026 10:00:00 +0000\r\nMessage-ID: <m${i}@example.org>\r\n\r\n${lines.join('\r\n')}\r\n`);
}

const store = openStore(dir, { clock: systemClock, migrate: true });
const user = 'bench@example.test';
let account = await store.accounts.byAddress(user);
if (!account) {
  const domain = await store.domains.add('example.test', []);
  account = await store.accounts.add(user, domain.id, await hashPassword('pass'));
  const t0 = performance.now();
  for (let i = 0; i < count; i += 500) {
    await Promise.all(Array.from({ length: Math.min(500, count - i) }, (_, k) => deliver(store, { raw: message(i + k), recipients: [{ accountId: account!.id }] })));
  }
  console.error(`stored ${count} messages in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
// A store loaded by an older Postern may predate the full-text index: SEARCH would scan it.
await ensureSearchIndex(store, dir);

const services = new ImapServices(COMMANDS, store, new LoginThrottle(store.shared, { maxFailures: 10, lockoutS: 60 }), pino({ level: 'silent' }), { hostname: 'bench', allowPlaintextLoopback: true }, null);
const [client, server] = duplexPair();
new ImapSession(services, server, { remoteAddress: '127.0.0.1', secure: false }).start();
let buffer = '';
let wake: (() => void) | null = null;
client.on('data', (d: Buffer) => {
  buffer += d.toString('latin1');
  wake?.();
});
let n = 0;
async function command(text: string): Promise<string> {
  const tag = `b${++n}`;
  client.write(`${tag} ${text}\r\n`);
  const done = new RegExp(`(^|\\r\\n)${tag} (OK|NO|BAD)[^\\r]*\\r\\n`);
  while (!done.test(buffer)) await new Promise<void>((resolve) => (wake = resolve));
  const out = buffer;
  buffer = '';
  if (!new RegExp(`${tag} OK`).test(out)) throw new Error(out.slice(-300));
  return out;
}
await command(`LOGIN ${user} pass`);
await command('SELECT INBOX');

const cases: [string, string][] = [
  ['BODY rare word (10 hits)', 'UID SEARCH BODY zanzibar'],
  ['BODY 1% word', 'UID SEARCH BODY onepercentword'],
  ['BODY miss', 'UID SEARCH BODY notthereatall'],
  ['BODY in every message', 'UID SEARCH BODY everywhere'],
  ['TEXT rare word', 'UID SEARCH TEXT zanzibar'],
  ['SUBJECT word (1 in 3000)', `UID SEARCH SUBJECT ${VOCAB[1234]}`],
  ['BODY 2 chars (no index: scan)', 'UID SEARCH BODY zq'],
];
const rows: string[] = ['| search | median ms | hits | max event-loop stall ms |', '| --- | --- | --- | --- |'];
for (const [label, cmd] of cases) {
  const times: number[] = [];
  let hits = 0;
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    const out = await command(cmd);
    times.push(performance.now() - t0);
    hits = (/\* SEARCH([^\r]*)/.exec(out)?.[1] ?? '').trim().split(' ').filter(Boolean).length;
  }
  h.disable();
  times.sort((a, b) => a - b);
  rows.push(`| ${label} | ${times[2]!.toFixed(1)} | ${hits} | ${(h.max / 1e6).toFixed(1)} |`);
}
console.log(`UID SEARCH on ${count} messages (in-process session, SQLite FTS5 trigram index)`);
console.log(rows.join('\n'));
client.destroy();
await store.close();
