// Hostile neighbours on SMTP (issue 10, items 4 and 6), against the real `postern serve` over real
// sockets: while one client attacks, a well-behaved client on port 25 and on submission is greeted
// and answered; the attacker gets the protocol's proper error; the server's RSS stays bounded.
// Limits are lowered in the config so the attacks take seconds, not minutes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { addUser, makeTestInstance, serve, type TestInstance, type Running } from '../fixtures/postern.ts';
import { connectWire, type Wire } from '../fixtures/smtp-wire.ts';

const MiB = 1024 * 1024;
let instance: TestInstance;
let server: Running;

before(async () => {
  instance = await makeTestInstance({
    limits: { message_size: MiB, smtp_auth_deadline_s: 2, smtp_data_min_rate: 20_000, smtp_data_grace_s: 2 },
    submission: { allow_plaintext_loopback: true },
  });
  addUser(instance, 'alice@postern.test', 'alice-secret');
  server = await serve(instance);
});
after(async () => { await server.stop(); await instance.release(); });

function rssBytes(): number {
  const status = fs.readFileSync(`/proc/${server.process.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

/** Samples the server's RSS every 50 ms until stopped; returns the peak. */
function watchRss(): { stop(): number } {
  let peak = rssBytes();
  const timer = setInterval(() => { peak = Math.max(peak, rssBytes()); }, 50);
  return { stop() { clearInterval(timer); return Math.max(peak, rssBytes()); } };
}

const PLAIN = Buffer.from('\0alice@postern.test\0alice-secret').toString('base64');

async function session(port: number, auth: boolean): Promise<Wire> {
  const wire = await connectWire(port);
  assert.match(await wire.reply(), /^220 /);
  assert.match(await wire.cmd('EHLO client.test'), /^250/);
  if (auth) assert.match(await wire.cmd(`AUTH PLAIN ${PLAIN}`), /^235 /);
  return wire;
}

/** The well-behaved client: a greeting and a command answered on port 25 and on submission. */
async function neighbourAnswered(): Promise<void> {
  for (const port of [server.ports.smtp!, server.ports.submission!]) {
    const wire = await session(port, false);
    assert.match(await wire.cmd('NOOP'), /^250 /);
    wire.close();
  }
}

test('submission: 160 MiB of DATA past a 1 MiB limit is refused with 552 and not kept in memory', async () => {
  const attacker = await session(server.ports.submission!, true);
  assert.match(await attacker.cmd('MAIL FROM:<alice@postern.test>'), /^250/);
  assert.match(await attacker.cmd('RCPT TO:<alice@postern.test>'), /^250/);
  assert.match(await attacker.cmd('DATA'), /^354/);
  const before = rssBytes();
  const rss = watchRss();
  const line = Buffer.from('x'.repeat(998) + '\r\n');
  const chunk = Buffer.concat(new Array(1024).fill(line));
  attacker.write('From: alice@postern.test\r\nSubject: big\r\n\r\n');
  for (let sent = 0; sent < 160 * MiB; sent += chunk.length) {
    attacker.write(chunk);
    if (sent % (32 * MiB) === 0) await neighbourAnswered();
  }
  attacker.write('.\r\n');
  assert.match(await attacker.reply(30_000), /^552 5\.3\.4 /);
  const growth = rss.stop() - before;
  // Keeping the bytes costs at least the payload twice (chunks, then one concatenated buffer);
  // what remains is garbage not yet collected, the same on port 25 (about 75-100 MiB peak here).
  assert.ok(growth < 128 * MiB, `RSS grew by ${(growth / MiB).toFixed(1)} MiB for a refused 160 MiB message`);
  await neighbourAnswered();
  attacker.close();
});

test('submission: a client that never authenticates is closed at the deadline, NOOPs or not', async () => {
  const attacker = await session(server.ports.submission!, false);
  const patient = await session(server.ports.submission!, true);
  let last = '';
  for (let i = 0; i < 20 && !last.startsWith('421'); i++) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    last = await attacker.cmd('NOOP');
  }
  assert.match(last, /^421 4\.7\.0 /);
  await attacker.closed;
  assert.match(await patient.cmd('NOOP'), /^250 /, 'an authenticated session is not affected');
  await neighbourAnswered();
  patient.close();
});

for (const listener of ['smtp', 'submission'] as const) {
  test(`${listener}: DATA trickled below the minimum rate is closed with 421 4.4.2`, async () => {
    const attacker = await session(server.ports[listener]!, listener === 'submission');
    assert.match(await attacker.cmd('MAIL FROM:<alice@postern.test>'), /^250/);
    assert.match(await attacker.cmd('RCPT TO:<alice@postern.test>'), /^250/);
    assert.match(await attacker.cmd('DATA'), /^354/);
    let closed = false;
    attacker.closed.then(() => { closed = true; });
    for (let i = 0; i < 40 && !closed; i++) {
      attacker.write('x');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.match(await attacker.reply(), /^421 4\.4\.2 /);
    assert.equal(closed, true);
    await neighbourAnswered();
  });
}
