// `postern backup` while `postern serve` takes inbound SMTP and IMAP APPEND: the backup completes
// without stopping the load, restore refuses the data_dir the running server uses, and a server
// started on the restored data_dir serves every message acknowledged before the backup began, byte
// for byte (IMAP BODY[] against the live server's, and against what was sent); verify passes on both.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ImapFlow } from 'imapflow';
import { addUser, BIN, cli, makeInstance, serve, type Instance, type Running } from '../fixtures/postern.ts';
import { startDnsServer, type DnsFixture } from '../fixtures/dns-server.ts';
import { connectWire } from '../fixtures/smtp-wire.ts';

const USER = 'load@example.test';
const PASS = 'backup under load';
const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

let dns: DnsFixture;
before(async () => { dns = await startDnsServer({ 'good.test': { TXT: ['v=spf1 ip4:127.0.0.1 -all'] } }); });
after(async () => { await dns.close(); });

function instance(): Instance {
  return makeInstance({ dns: { servers: [dns.server], timeout_ms: 500, tries: 1 }, listen: { submission: false, submissions: false, imaps: false, pop3: false, pop3s: false, http: false } });
}

function imap(port: number): ImapFlow {
  return new ImapFlow({ host: '127.0.0.1', port, secure: false, doSTARTTLS: true, auth: { user: USER, pass: PASS }, tls: { rejectUnauthorized: false }, logger: false });
}

interface Acked { at: number; sent: Buffer; via: 'smtp' | 'append' }

async function smtpSender(port: number, name: string, acked: Map<string, Acked>, stop: { now: boolean }): Promise<void> {
  const w = await connectWire(port);
  assert.match(await w.reply(), /^220 /);
  await w.cmd('EHLO client.good.test');
  for (let i = 0; !stop.now && i < 500; i++) {
    const id = `${name}-${i}`;
    const body = Buffer.from(`From: <a@good.test>\r\nSubject: smtp ${id}\r\nMessage-ID: <${id}@load>\r\n\r\n${`${id} `.repeat(300)}\r\n`);
    assert.match(await w.cmd('MAIL FROM:<a@good.test>'), /^250 /);
    assert.match(await w.cmd(`RCPT TO:<${USER}>`), /^250 /);
    assert.match(await w.cmd('DATA'), /^354 /);
    w.write(Buffer.concat([body, Buffer.from('.\r\n')]));
    assert.match(await w.reply(), /^250 /);
    acked.set(id, { at: performance.now(), sent: body, via: 'smtp' });
  }
  await w.cmd('QUIT');
  w.close();
}

async function appender(port: number, name: string, acked: Map<string, Acked>, stop: { now: boolean }): Promise<void> {
  const c = imap(port);
  await c.connect();
  for (let i = 0; !stop.now && i < 500; i++) {
    const id = `${name}-${i}`;
    const raw = Buffer.from(`From: <b@example.test>\r\nSubject: append ${id}\r\nMessage-ID: <${id}@load>\r\n\r\n${`${id} `.repeat(2000)}\r\n`);
    const r = await c.append('INBOX', raw, i % 2 ? ['\\Seen'] : []);
    assert.ok(r && r.uid, 'APPEND OK with a UID');
    acked.set(id, { at: performance.now(), sent: raw, via: 'append' });
  }
  await c.logout();
}

/** Message-ID → sha256 of BODY[] for every message in INBOX. */
async function bodies(port: number): Promise<Map<string, { hash: string; bytes: Buffer }>> {
  const c = imap(port);
  await c.connect();
  const out = new Map<string, { hash: string; bytes: Buffer }>();
  const lock = await c.getMailboxLock('INBOX');
  try {
    for await (const m of c.fetch('1:*', { uid: true, source: true })) {
      const id = /Message-ID: <([^@]+)@load>/i.exec(m.source!.toString('latin1'))?.[1];
      assert.ok(id, 'every message carries its id');
      assert.ok(!out.has(id), `${id} stored once`);
      out.set(id, { hash: sha(m.source!), bytes: m.source! });
    }
  } finally {
    lock.release();
  }
  await c.logout();
  return out;
}

test('a backup taken under inbound SMTP and IMAP APPEND restores every message acknowledged before it began', { timeout: 90_000 }, async (t) => {
  const live = instance();
  addUser(live, USER, PASS);
  let server: Running | null = await serve(live);
  let restoredServer: Running | null = null;
  try {
    const acked = new Map<string, Acked>();
    const stop = { now: false };
    const load = [
      ...[0, 1, 2].map((i) => smtpSender(server!.ports.smtp!, `s${i}`, acked, stop)),
      ...[0, 1].map((i) => appender(server!.ports.imap!, `a${i}`, acked, stop)),
    ];
    while (acked.size < 40) await new Promise((r) => setTimeout(r, 50));
    const backupDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'postern-loadbackup-')), 'b');
    const began = performance.now();
    const before = acked.size;
    const backup = await promisify(execFile)(process.execPath, [BIN, 'backup', backupDir, '--config', live.configFile, '--json']);
    const during = acked.size - before;
    stop.now = true;
    await Promise.all(load);
    const manifest = JSON.parse(backup.stdout).manifest as { counts: { messages: number } };
    assert.ok(manifest.counts.messages >= before, `the backup holds at least what was acknowledged before it (${manifest.counts.messages} ≥ ${before})`);
    assert.ok(during >= 0, 'the load ran on through the backup');

    const inUse = cli(live, ['restore', backupDir, '--force']);
    assert.equal(inUse.code, 1);
    assert.match(inUse.stderr, /in use/);
    const verifyLive = cli(live, ['verify']);
    assert.equal(verifyLive.code, 0, `verify of the running server's store:\n${verifyLive.stdout}`);
    const original = await bodies(server.ports.imap!);
    await server.stop();
    server = null;

    const target = instance();
    const restored = cli(target, ['restore', backupDir]);
    assert.equal(restored.code, 0, restored.stderr);
    const verifyRestored = cli(target, ['verify']);
    assert.equal(verifyRestored.code, 0, verifyRestored.stdout);
    restoredServer = await serve(target);
    const back = await bodies(restoredServer.ports.imap!);

    let checked = 0;
    for (const [id, a] of acked) {
      if (a.at >= began) continue;
      const got = back.get(id);
      assert.ok(got, `${id} (acknowledged before the backup) is in the restored store`);
      assert.equal(got.hash, original.get(id)!.hash, `${id}: BODY[] as the live server served it`);
      if (a.via === 'append') assert.equal(got.hash, sha(a.sent), `${id}: the appended bytes exactly`);
      else assert.ok(got.bytes.subarray(got.bytes.length - a.sent.length).equals(a.sent), `${id}: the received bytes after Postern's added headers`);
      checked++;
    }
    assert.ok(checked >= before, `${checked} messages checked`);
    t.diagnostic(`${before} acknowledged before the backup, ${during} during it, ${manifest.counts.messages} in it, ${acked.size} in all`);
    for (const [id, m] of back) assert.equal(m.hash, original.get(id)?.hash, `${id} restored as it was stored, nothing invented`);
  } finally {
    await server?.stop();
    await restoredServer?.stop();
  }
});
