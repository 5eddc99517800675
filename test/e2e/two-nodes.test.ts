// Two `postern serve` processes (bin/postern serve, a config each: the same [store] url, their own
// loopback ports and hostname) on one real PostgreSQL database (test/fixtures/postgres.ts), as a
// provider runs several nodes behind a load balancer (issue 14). What must hold across nodes:
// 1,000 queued messages worked by both nodes reach the remote MX exactly once each; SIGKILL of one
// node during mixed load loses no acknowledged message and the other carries on; a delivery to one
// node is seen by an IDLEing client of the other; concurrent APPENDs through both nodes get unique
// UIDs, increasing as each client sent them (RFC 9051 §2.3.1.1). The tests run in file order on one
// pair of nodes; the SIGKILL test is last.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ImapFlow } from 'imapflow';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { startPostgres, type PgServer } from '../fixtures/postgres.ts';
import { startDnsServer, type DnsFixture } from '../fixtures/dns-server.ts';
import { startScriptedPeer, type ScriptedPeer } from '../fixtures/scripted-smtp-peer.ts';
import { makeInstance, serve, addUser, type Instance, type Running } from '../fixtures/postern.ts';
import { connectWire } from '../fixtures/smtp-wire.ts';
import { waitFor } from '../fixtures/smtp-client.ts';
import { PgStore } from '../../src/store/postgres/store.ts';
import { systemClock } from '../../src/clock.ts';

const USER = 'user@postern.test';
const PASS = 'node-pass-1';
const SENDER = 'alice@postern.test';
const SENDER_PASS = 'node-pass-2';

let pg: PgServer;
let dns: DnsFixture;
let sink: ScriptedPeer;
/** The EHLO name each message arrived with at the sink, by Message-ID. */
const sinkHelo = new Map<string, string[]>();
let url: string;
const instances: Record<'a' | 'b', Instance> = {} as Record<'a' | 'b', Instance>;
const nodes: Partial<Record<'a' | 'b', Running>> = {};
/** A third connection to the database from the test, to look at what the nodes stored (through the interface only). */
let inspect: PgStore;

function nodeConfig(name: 'a' | 'b'): Record<string, unknown> {
  return {
    hostname: `mx-${name}.postern.test`,
    store: { engine: 'postgres', url, max_connections: 5 },
    listen: { smtp: '127.0.0.1:0', submission: '127.0.0.1:0', imap: '127.0.0.1:0', submissions: false, imaps: false, pop3: false, pop3s: false, http: false, ops: false, managesieve: false },
    dns: { servers: [dns.server], timeout_ms: 500, tries: 1 },
    testing: { allow_private_mx: true, remote_smtp_port: sink.port },
    queue: { retry_schedule_s: [1], tls_reports: false },
    submission: { allow_plaintext_loopback: true, messages_per_hour: 100_000 },
    imap: { allow_plaintext_loopback: true },
    spam: { outbound_messages_per_day: 0, outbound_new_recipients_per_day: 0 },
    inbound: { verify_timeout_ms: 3000 },
    log: { level: 'info' },
  };
}

before(async () => {
  pg = await startPostgres();
  url = await pg.freshDatabase();
  dns = await startDnsServer({
    'postern.test': { MX: [{ priority: 10, exchange: 'mx-a.postern.test' }], TXT: ['v=spf1 ip4:127.0.0.1 -all'] },
    'mx-a.postern.test': { A: ['127.0.0.1'] },
    'mx-b.postern.test': { A: ['127.0.0.1'] },
    'sender.test': { TXT: ['v=spf1 ip4:127.0.0.1 -all'] },
    'remote.test': { MX: [{ priority: 10, exchange: 'mx.remote.test' }] },
    'mx.remote.test': { A: ['127.0.0.1'] },
  });
  sink = await startScriptedPeer({
    hideStartTls: true,
    data(raw, session) {
      const id = messageId(raw);
      sinkHelo.set(id, [...(sinkHelo.get(id) ?? []), session.hostNameAppearsAs]);
      return null;
    },
  });
  instances.a = makeInstance(nodeConfig('a'));
  instances.b = makeInstance(nodeConfig('b'));
  // Node A applies the migrations at its start; B then finds the schema current.
  nodes.a = await serve(instances.a, 30_000);
  addUser(instances.a, USER, PASS);
  addUser(instances.a, SENDER, SENDER_PASS);
  nodes.b = await serve(instances.b, 30_000);
  inspect = await PgStore.open({ url }, { clock: systemClock, migrate: false });
});

after(async () => {
  await Promise.all(Object.values(nodes).map((n) => n?.stop()));
  await inspect?.close();
  await sink?.close();
  await dns?.close();
  await pg?.stop();
});

function messageId(raw: Buffer | string): string {
  const head = raw.toString('latin1').split('\r\n\r\n')[0]!;
  return /^Message-ID:\s*<([^>]*)>/im.exec(head)?.[1] ?? '';
}

/** The Message-IDs in the user's INBOX, read through the store interface on the shared database. */
async function inboxIds(): Promise<string[]> {
  const account = await inspect.accounts.byAddress(USER);
  const snapshot = await inspect.pop3.snapshot(account!.id);
  const ids: string[] = [];
  for (const m of snapshot!.messages) ids.push(messageId(await inspect.contents.full(m.contentId)));
  return ids;
}

/** One authenticated submission session that sends many messages. */
async function submissionSession(port: number) {
  const conn = new SMTPConnection({ host: '127.0.0.1', port, ignoreTLS: true, logger: false });
  conn.on('error', () => {});
  await new Promise<void>((resolve, reject) => { conn.once('error', reject); conn.connect(() => resolve()); });
  await new Promise<void>((resolve, reject) => conn.login({ user: SENDER, pass: SENDER_PASS, method: 'PLAIN' }, (err) => (err ? reject(err) : resolve())));
  return {
    send: (to: string, raw: string) => new Promise<void>((resolve, reject) =>
      conn.send({ from: SENDER, to: [to] }, raw, (err) => (err ? reject(err) : resolve()))),
    close: () => conn.quit(),
  };
}

/** Port-25 sessions that each send messages one after another until `stop()`; the Message-IDs that got 250 are kept. */
function inboundLoad(port: number, sessions: number, prefix: string) {
  const acked: string[] = [];
  let stopped = false;
  let n = 0;
  const loops = Array.from({ length: sessions }, async () => {
    const wire = await connectWire(port);
    try {
      if (!(await wire.reply()).startsWith('220') || !(await wire.cmd('EHLO client.sender.test')).startsWith('250')) return;
      while (!stopped) {
        const id = `${prefix}-${++n}@sender.test`;
        if (!(await wire.cmd('MAIL FROM:<bob@sender.test>')).startsWith('250')) return;
        if (!(await wire.cmd(`RCPT TO:<${USER}>`)).startsWith('250')) return;
        if (!(await wire.cmd('DATA')).startsWith('354')) return;
        wire.write(`From: Bob <bob@sender.test>\r\nTo: ${USER}\r\nSubject: load ${id}\r\nMessage-ID: <${id}>\r\n\r\nMixed load.\r\n.\r\n`);
        const reply = await wire.reply(10_000);
        if (!reply.startsWith('250')) return;
        acked.push(id);
      }
    } finally {
      wire.close();
    }
  });
  return { acked, stop: async () => { stopped = true; await Promise.allSettled(loops); }, done: Promise.allSettled(loops) };
}

test('1,000 queued messages, both nodes working the queue: each reaches the remote MX exactly once', async (t) => {
  const total = 1000;
  const sessions = await Promise.all([submissionSession(nodes.a!.ports.submission!), submissionSession(nodes.b!.ports.submission!)]);
  await Promise.all(sessions.map(async (s, k) => {
    for (let i = k; i < total; i += 2) {
      await s.send(`q${i}@remote.test`, `From: ${SENDER}\r\nTo: q${i}@remote.test\r\nSubject: queued ${i}\r\nMessage-ID: <queued-${i}@postern.test>\r\n\r\nOne of a thousand.\r\n`);
    }
  }));
  for (const s of sessions) s.close();
  const queued = [...Array(total).keys()].map((i) => `queued-${i}@postern.test`);
  await waitFor('all 1,000 at the sink', () => queued.every((id) => sinkHelo.has(id)), 240_000);
  // Both queues empty, so no second attempt of anything is still to come.
  await waitFor('both queues empty', async () => (await inspect.queue.list()).length === 0, 30_000);
  const twice = queued.filter((id) => sinkHelo.get(id)!.length !== 1);
  assert.deepEqual(twice, [], 'delivered more than once');
  const byNode = (name: string) => queued.filter((id) => sinkHelo.get(id)![0] === name).length;
  t.diagnostic(`delivered by node A: ${byNode('mx-a.postern.test')}, by node B: ${byNode('mx-b.postern.test')}`);
  assert.equal(byNode('mx-a.postern.test') + byNode('mx-b.postern.test'), total);
  assert.ok(byNode('mx-a.postern.test') > 0 && byNode('mx-b.postern.test') > 0, 'both nodes delivered');
});

function imap(port: number): ImapFlow {
  return new ImapFlow({ host: '127.0.0.1', port, secure: false, doSTARTTLS: false, auth: { user: USER, pass: PASS }, logger: false });
}

test('a delivery to node A is seen by an IDLEing imapflow client on node B', async (t) => {
  const client = imap(nodes.b!.ports.imap!);
  await client.connect();
  t.after(() => client.logout().catch(() => {}));
  const box = await client.mailboxOpen('INBOX');
  let seen = box.exists;
  client.on('exists', (e: { count: number }) => { seen = e.count; });
  // IDLE (RFC 2177) until the end: imapflow ends it by itself before LOGOUT.
  void client.idle().catch(() => {});
  const latencies: number[] = [];
  for (let i = 0; i < 10; i++) {
    const before = seen;
    const load = inboundLoad(nodes.a!.ports.smtp!, 1, `idle-${i}`);
    await waitFor('node A acknowledges', () => load.acked.length >= 1, 20_000);
    const ackedAt = performance.now();
    await load.stop();
    await waitFor('EXISTS on node B', () => seen > before, 20_000);
    latencies.push(performance.now() - ackedAt);
  }
  latencies.sort((x, y) => x - y);
  t.diagnostic(`250 on node A to EXISTS on node B, ms: median ${latencies[5]!.toFixed(1)}, max ${latencies[9]!.toFixed(1)}`);
  assert.equal(latencies.length, 10);
});

test('concurrent APPENDs to one mailbox through both nodes get unique UIDs, increasing per client', async () => {
  const clients = [nodes.a, nodes.b, nodes.a, nodes.b].map((n) => imap(n!.ports.imap!));
  await Promise.all(clients.map((c) => c.connect()));
  await clients[0]!.mailboxCreate('Shared');
  const perClient = 25;
  const uids = await Promise.all(clients.map(async (c, k) => {
    const got: number[] = [];
    for (let i = 0; i < perClient; i++) {
      const r = await c.append('Shared', `From: ${USER}\r\nSubject: append ${k}-${i}\r\nMessage-ID: <append-${k}-${i}@postern.test>\r\n\r\nx\r\n`, ['\\Seen']);
      assert.ok(r && r.uid, 'APPENDUID');
      got.push(r.uid!);
    }
    return got;
  }));
  for (const got of uids) assert.deepEqual(got, [...got].sort((x, y) => x - y), 'UIDs increase in the order one client appended');
  const all = uids.flat();
  assert.equal(new Set(all).size, all.length, 'every UID unique');
  const lock = await clients[1]!.getMailboxLock('Shared');
  const listed: number[] = [];
  for await (const m of clients[1]!.fetch('1:*', { uid: true })) listed.push(m.uid);
  lock.release();
  assert.deepEqual(listed, [...all].sort((x, y) => x - y), 'node B lists exactly the appended UIDs in order');
  await Promise.all(clients.map((c) => c.logout()));
});

test('node A killed with SIGKILL during mixed load: every acknowledged message is stored once, node B carries on', async () => {
  const loadA = inboundLoad(nodes.a!.ports.smtp!, 3, 'kill-a');
  const loadB = inboundLoad(nodes.b!.ports.smtp!, 3, 'kill-b');
  const submitB = await submissionSession(nodes.b!.ports.submission!);
  let outbound = 0;
  const outboundLoop = (async () => {
    while (loadA.acked.length < 40) {
      await submitB.send(`k${outbound}@remote.test`, `From: ${SENDER}\r\nTo: k${outbound}@remote.test\r\nSubject: during\r\nMessage-ID: <during-${outbound}@postern.test>\r\n\r\nx\r\n`);
      outbound++;
    }
  })();
  await waitFor('40 acknowledged by node A', () => loadA.acked.length >= 40, 60_000);
  await nodes.a!.kill();
  delete nodes.a;
  await outboundLoop;
  await loadA.done;
  const ackedAtKill = loadB.acked.length;
  await waitFor('node B goes on acknowledging after the kill', () => loadB.acked.length >= ackedAtKill + 20, 60_000);
  await loadB.stop();

  const stored = await inboxIds();
  const count = new Map<string, number>();
  for (const id of stored) count.set(id, (count.get(id) ?? 0) + 1);
  assert.deepEqual([...count].filter(([, c]) => c > 1), [], 'no message stored twice');
  const acked = [...loadA.acked, ...loadB.acked];
  assert.deepEqual(acked.filter((id) => !count.has(id)), [], 'acknowledged but not stored');

  // Node B still serves: a new delivery is acknowledged and stored, its queue still delivers.
  const after = inboundLoad(nodes.b!.ports.smtp!, 1, 'after-kill');
  await waitFor('a delivery to node B after the kill', () => after.acked.length >= 1, 20_000);
  await after.stop();
  await submitB.send('after@remote.test', `From: ${SENDER}\r\nTo: after@remote.test\r\nSubject: after\r\nMessage-ID: <after-kill@postern.test>\r\n\r\nx\r\n`);
  submitB.close();
  await waitFor('node B delivers its queue after the kill', () => sinkHelo.has('after-kill@postern.test'), 30_000);
  assert.ok((await inboxIds()).includes(after.acked[0]!));
  assert.deepEqual(sinkHelo.get('after-kill@postern.test'), ['mx-b.postern.test']);
});
