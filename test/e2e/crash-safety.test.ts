// Crash safety (issue 10): `postern serve` is killed with SIGKILL in the middle of mixed load —
// SMTP inbound, submission, IMAP APPEND and STORE, POP3 DELE — several times. After each restart,
// every acknowledged message is there exactly once (and nothing is there twice), every
// acknowledged flag change and POP3 deletion holds, and `postern verify` (PRAGMA integrity_check
// and the store's invariants; on PostgreSQL through a verified copy) passes. The store is on the
// run's engine (makeTestInstance), so the PostgreSQL pass kills a PostgreSQL node the same way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addUser, cli, makeTestInstance, serve, type Running } from '../fixtures/postern.ts';
import { connectWire } from '../fixtures/smtp-wire.ts';
import { rawImap, type RawImap } from '../fixtures/imap-raw.ts';
import { RawPop3Client } from '../fixtures/pop3-client.ts';

const ROUNDS = 3;
const PLAIN = (user: string) => Buffer.from(`\0${user}@postern.test\0${user}-secret`).toString('base64');

interface Acked {
  inbound: Set<string>; carol: Set<string>; submitted: Set<string>; appended: Set<string>;
  flagged: Set<number>; popDeleted: Set<string>;
  /** DELE'd and QUIT sent, without the +OK: the server may have committed the deletion before it died. */
  popMaybeDeleted: Set<string>;
}

async function smtpSend(port: number, to: string, subject: string, auth: string | null): Promise<boolean> {
  const wire = await connectWire(port);
  try {
    if (!/^220/.test(await wire.reply())) return false;
    await wire.cmd('EHLO client.test');
    if (auth) await wire.cmd(`AUTH PLAIN ${PLAIN(auth)}`);
    const from = auth ? `${auth}@postern.test` : 'x@remote.test';
    if (!/^250/.test(await wire.cmd(`MAIL FROM:<${from}>`))) return false;
    if (!/^250/.test(await wire.cmd(`RCPT TO:<${to}>`))) return false;
    if (!/^354/.test(await wire.cmd('DATA'))) return false;
    wire.write(`From: <${from}>\r\nTo: <${to}>\r\nSubject: ${subject}\r\nMessage-ID: <${subject}@x>\r\n\r\nbody of ${subject}\r\n.\r\n`);
    return /^250 /.test(await wire.reply());
  } finally {
    wire.close();
  }
}

async function imapLogin(port: number, user: string): Promise<RawImap> {
  const imap = await rawImap(port);
  const r = await imap.cmd(`LOGIN ${user}@postern.test ${user}-secret`);
  if (!/^t\d+ OK/m.test(r)) throw new Error(`login failed: ${r}`);
  return imap;
}

interface Listed { uid: number; flags: string; subject: string }

/** Every message of a mailbox: UID, flags and Subject. */
async function list(imap: RawImap, mailbox: string): Promise<Listed[]> {
  const sel = await imap.cmd(`SELECT ${mailbox}`);
  if (/\* 0 EXISTS/.test(sel)) return [];
  const fetched = await imap.cmd('FETCH 1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])');
  return fetched.split(/\r\n(?=\* \d+ FETCH )/).filter((e) => /FETCH \(/.test(e)).map((e) => ({
    uid: Number(/UID (\d+)/.exec(e)![1]), flags: /FLAGS \(([^)]*)\)/.exec(e)![1]!, subject: /Subject: (\S+)/.exec(e)![1]!,
  }));
}

function assertExactlyOnce(listed: Listed[], acked: Set<string>, what: string, mayBeGone: Set<string> = new Set()): void {
  const counts = new Map<string, number>();
  for (const m of listed) counts.set(m.subject, (counts.get(m.subject) ?? 0) + 1);
  for (const [subject, n] of counts) assert.equal(n, 1, `${what}: ${subject} is stored ${n} times`);
  for (const subject of acked) if (!mayBeGone.has(subject)) assert.equal(counts.get(subject), 1, `${what}: acknowledged ${subject} is missing`);
}

async function checkState(server: Running, acked: Acked): Promise<void> {
  const alice = await imapLogin(server.ports.imap!, 'alice');
  const inbox = await list(alice, 'INBOX');
  assertExactlyOnce(inbox, acked.inbound, 'alice INBOX');
  for (const uid of acked.flagged) assert.match(inbox.find((m) => m.uid === uid)?.flags ?? '(gone)', /\\Flagged/, `STORE on UID ${uid} was acknowledged`);
  assertExactlyOnce(await list(alice, 'Archive'), acked.appended, 'alice Archive');
  alice.close();
  const bob = await imapLogin(server.ports.imap!, 'bob');
  assertExactlyOnce(await list(bob, 'INBOX'), acked.submitted, 'bob INBOX');
  bob.close();
  const carol = await imapLogin(server.ports.imap!, 'carol');
  const carolBox = await list(carol, 'INBOX');
  assertExactlyOnce(carolBox, new Set([...acked.carol].filter((s) => !acked.popDeleted.has(s))), 'carol INBOX', acked.popMaybeDeleted);
  for (const s of acked.popDeleted) assert.ok(!carolBox.some((m) => m.subject === s), `POP3 deletion of ${s} was acknowledged`);
  carol.close();
}

/** Runs `step` until `stopped()`, ignoring the errors a killed server causes. */
async function loop(stopped: () => boolean, step: (i: number) => Promise<void>): Promise<void> {
  for (let i = 0; !stopped(); i++) {
    try { await step(i); } catch { /* the server went away mid-step */ }
    // A timer tick between steps: a step that fails at once must not starve the event loop.
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Whether each kind of change the load makes has been acknowledged at least once. */
function everyKindAcked(acked: Acked): boolean {
  return acked.inbound.size + acked.carol.size > 0 && acked.submitted.size > 0 && acked.appended.size > 0 && acked.flagged.size > 0 && acked.popDeleted.size > 0;
}

test('SIGKILL under mixed load: acknowledged messages exactly once, flags and deletions kept, store verified', { timeout: 120_000 }, async (t) => {
  const instance = await makeTestInstance({
    submission: { allow_plaintext_loopback: true }, imap: { allow_plaintext_loopback: true }, pop3: { allow_plaintext_loopback: true },
    spam: { enabled: false }, login: { max_failures: 1000 },
  });
  t.after(() => instance.release());
  for (const u of ['alice', 'bob', 'carol']) addUser(instance, `${u}@postern.test`, `${u}-secret`);
  const acked: Acked = { inbound: new Set(), carol: new Set(), submitted: new Set(), appended: new Set(), flagged: new Set(), popDeleted: new Set(), popMaybeDeleted: new Set() };

  for (let round = 1; round <= ROUNDS; round++) {
    const server = await serve(instance);
    t.after(() => server.kill());
    await checkState(server, acked);
    let stop = false;
    const stopped = () => stop;
    const p = server.ports;
    const load = [
      loop(stopped, async (i) => {
        const to = i % 2 ? 'carol' : 'alice';
        const subject = `in-${round}-${i}`;
        if (await smtpSend(p.smtp!, `${to}@postern.test`, subject, null)) (to === 'alice' ? acked.inbound : acked.carol).add(subject);
      }),
      loop(stopped, async (i) => {
        const subject = `sub-${round}-${i}`;
        if (await smtpSend(p.submission!, 'bob@postern.test', subject, 'alice')) acked.submitted.add(subject);
      }),
      loop(stopped, async () => {
        const imap = await imapLogin(p.imap!, 'alice');
        try {
          for (let i = 0; !stop; i++) {
            const subject = `app-${round}-${i}`;
            const msg = Buffer.from(`From: <alice@postern.test>\r\nSubject: ${subject}\r\n\r\nappended ${subject}\r\n`);
            const r = await imap.cmd(Buffer.concat([Buffer.from(`APPEND Archive {${msg.length}+}\r\n`), msg]));
            if (/^t\d+ OK/m.test(r)) acked.appended.add(subject);
          }
        } finally { imap.close(); }
      }),
      loop(stopped, async () => {
        const imap = await imapLogin(p.imap!, 'alice');
        try {
          while (!stop) {
            await imap.cmd('SELECT INBOX');
            const uids = [...(await imap.cmd('UID SEARCH UNFLAGGED')).matchAll(/^\* SEARCH((?: \d+)*)/gm)].flatMap((m) => m[1]!.trim().split(' ').filter(Boolean).map(Number));
            if (uids.length === 0) { await new Promise((r) => setTimeout(r, 20)); continue; }
            const uid = uids[0]!;
            if (/^t\d+ OK/m.test(await imap.cmd(`UID STORE ${uid} +FLAGS (\\Flagged)`))) acked.flagged.add(uid);
          }
        } finally { imap.close(); }
      }),
      loop(stopped, async () => {
        const pop = await RawPop3Client.connect(p.pop3!);
        try {
          await pop.line();
          await pop.command('USER carol@postern.test');
          if (!(await pop.command('PASS carol-secret')).startsWith('+OK')) return;
          if (!(await pop.command('TOP 1 0')).startsWith('+OK')) { await pop.command('QUIT'); await new Promise((r) => setTimeout(r, 20)); return; }
          const subject = /Subject: (\S+)/.exec((await pop.body()).toString('latin1'))?.[1];
          if (!subject) return;
          if (!(await pop.command('DELE 1')).startsWith('+OK')) return;
          acked.popMaybeDeleted.add(subject);
          if ((await pop.command('QUIT')).startsWith('+OK')) acked.popDeleted.add(subject);
        } finally { pop.destroy(); }
      }),
    ];
    await new Promise((r) => setTimeout(r, 700 + Math.floor(Math.random() * 800)));
    // Not before every kind of change has been acknowledged once: on a loaded machine a POP3
    // session (login, TOP, DELE, QUIT) can take longer than the random delay.
    for (const deadline = Date.now() + 20_000; !everyKindAcked(acked) && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 50));
    await server.kill();
    stop = true;
    await Promise.all(load);
  }
  const server = await serve(instance);
  // A failed check below must not leave the server running: the file would never end.
  t.after(() => server.kill());
  await checkState(server, acked);
  assert.ok(everyKindAcked(acked),
    `every kind of change was acknowledged at least once: ${JSON.stringify(Object.fromEntries(Object.entries(acked).map(([k, v]) => [k, v.size])))}`);
  await server.stop();
  const verify = cli(instance, ['verify']);
  assert.equal(verify.code, 0, `postern verify: ${verify.stdout}${verify.stderr}`);
});
