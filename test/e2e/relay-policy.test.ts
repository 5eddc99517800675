// Outbound policy at the worker level: MTA-STS enforce (only listed MX hosts, only over TLS with a
// certificate valid for the MX name) and a peer that refuses service at the greeting (554 from
// every MX: bounce without retrying).
import { mailboxMessages } from '../fixtures/store-inspect.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDnsServer } from '../fixtures/dns-server.ts';
import { startPosternInstance } from '../fixtures/postern-instance.ts';
import { startScriptedPeer } from '../fixtures/scripted-smtp-peer.ts';
import { makeTestCert } from '../fixtures/test-cert.ts';
import { submit, waitFor } from '../fixtures/smtp-client.ts';

const POLICY = (mx: string) => `version: STSv1\r\nmode: enforce\r\nmx: ${mx}\r\nmax_age: 86400\r\n`;

test('MTA-STS enforce: delivered over verified TLS to the listed MX only; no listed MX: deferred', async (t) => {
  const cert = makeTestCert(['mx.sts.test']);
  const peer = await startScriptedPeer({ cert });
  t.after(() => peer.close());
  const dns = await startDnsServer({
    'sts.test': { MX: [{ priority: 10, exchange: 'unlisted.sts.test' }, { priority: 20, exchange: 'mx.sts.test' }] },
    'unlisted.sts.test': { A: ['127.0.0.1'] },
    'mx.sts.test': { A: ['127.0.0.1'] },
    '_mta-sts.sts.test': { TXT: ['v=STSv1; id=1'] },
    'nomatch.test': { MX: [{ priority: 10, exchange: 'mx.sts.test' }] },
    '_mta-sts.nomatch.test': { TXT: ['v=STSv1; id=1'] },
  });
  t.after(() => dns.close());
  const policies: Record<string, string> = { 'sts.test': POLICY('mx.sts.test'), 'nomatch.test': POLICY('elsewhere.test') };
  const pi = await startPosternInstance(dns, { testing: { remote_smtp_port: peer.port } }, {
    ca: cert.cert, mtaStsFetcher: async (domain) => policies[domain] ?? Promise.reject(new Error('no policy')),
  });
  t.after(() => pi.stop());
  await pi.addDomain('example.test');
  await pi.addUser('alice@example.test', 'alice-secret');
  const send = (to: string) => submit({ port: pi.submissionPort, user: 'alice@example.test', pass: 'alice-secret', from: 'alice@example.test', to: [to],
    message: `From: alice@example.test\r\nTo: ${to}\r\nSubject: sts\r\n\r\nhi\r\n` });

  assert.equal((await send('bob@sts.test')).ok, true);
  const got = await waitFor('delivery under MTA-STS', () => peer.received.find((m) => m.to.includes('bob@sts.test')));
  assert.equal(got.secure, true);
  assert.equal(peer.connections, 1, 'the unlisted MX was never dialled');

  assert.equal((await send('carol@nomatch.test')).ok, true);
  const row = await waitFor('a deferral', async () => (await pi.ctx.store.queue.list()).find((m) => m.recipients[0]!.status === 'deferred'));
  assert.match(row.recipients[0]!.lastError!, /MTA-STS/);
  assert.equal(peer.received.filter((m) => m.to.includes('carol@nomatch.test')).length, 0);
});

test('554 at the greeting from every MX: bounced at once, without a retry', async (t) => {
  const refusing = await startScriptedPeer({ greeting: () => ({ code: 554, message: '5.7.1 no service for you' }) });
  t.after(() => refusing.close());
  const dns = await startDnsServer({ 'refuse.test': { MX: [{ priority: 10, exchange: 'mx.refuse.test' }] }, 'mx.refuse.test': { A: ['127.0.0.1'] } });
  t.after(() => dns.close());
  const pi = await startPosternInstance(dns, { testing: { remote_smtp_port: refusing.port } });
  t.after(() => pi.stop());
  await pi.addDomain('example.test');
  const alice = await pi.addUser('alice@example.test', 'alice-secret');
  const r = await submit({ port: pi.submissionPort, user: 'alice@example.test', pass: 'alice-secret', from: 'alice@example.test', to: ['x@refuse.test'],
    message: 'From: alice@example.test\r\nTo: x@refuse.test\r\nSubject: refused\r\n\r\nhi\r\n' });
  assert.equal(r.ok, true);
  const dsn = await waitFor('DSN', async () => (await mailboxMessages(pi.ctx.store, alice)).map((m) => m.bytes).find((b) => b.includes('multipart/report')));
  assert.match(dsn.toString(), /554 5\.7\.1 no service for you/);
  assert.equal(refusing.connections, 1);
});

test('past the queue lifetime a temporary failure becomes a bounce naming the last error', async (t) => {
  const net = await import('node:net');
  const closed = net.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const deadPort = (closed.address() as import('node:net').AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const dns = await startDnsServer({ 'dead.test': { MX: [{ priority: 10, exchange: 'mx.dead.test' }] }, 'mx.dead.test': { A: ['127.0.0.1'] } });
  t.after(() => dns.close());
  const pi = await startPosternInstance(dns, { testing: { remote_smtp_port: deadPort }, queue: { lifetime_s: 3600, retry_schedule_s: [600] } });
  t.after(() => pi.stop());
  await pi.addDomain('example.test');
  const alice = await pi.addUser('alice@example.test', 'alice-secret');
  const r = await submit({ port: pi.submissionPort, user: 'alice@example.test', pass: 'alice-secret', from: 'alice@example.test', to: ['x@dead.test'],
    message: 'From: alice@example.test\r\nTo: x@dead.test\r\nSubject: too late\r\n\r\nhi\r\n' });
  assert.equal(r.ok, true);
  const first = await waitFor('a deferral', async () => (await pi.ctx.store.queue.list()).find((m) => m.recipients[0]!.status === 'deferred'));
  assert.match(first.recipients[0]!.lastError!, /ECONNREFUSED|ECONNECTION|connect/i);

  // A worker whose clock is past the lifetime takes over.
  await pi.worker.stop();
  const { QueueWorker } = await import('../../src/queue/worker.ts');
  const late = { now: () => Date.now() + 3600_000 + 1000 };
  const worker = new QueueWorker({ ...pi.ctx, clock: late }, { pollMs: 50 });
  worker.start();
  t.after(() => worker.stop());
  const dsn = await waitFor('DSN after expiry', async () => (await mailboxMessages(pi.ctx.store, alice)).map((m) => m.bytes).find((b) => b.includes('multipart/report')));
  assert.match(dsn.toString(), /delivery time expired; last error: /);
  assert.match(dsn.toString(), /Status: 5\.4\.7/);
  assert.match(dsn.toString(), /ECONNREFUSED/);
  // The bounce is delivered before the expired entry is removed: wait for the removal too.
  await waitFor('the expired entry to leave the queue', async () => ((await pi.ctx.store.queue.list()).length === 0 ? true : null));
});
