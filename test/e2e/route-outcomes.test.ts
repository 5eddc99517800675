// Routes in the worker, beside test/e2e/smarthost-route.test.ts (the authenticating Postfix): one
// destination split by sender domain and by account between a loopback relay (tls = "none") and
// the MX, and a relay's replies treated exactly as an MX's: a 550 bounces with the whole reply in
// Diagnostic-Code, a 451 defers, both counted in /metrics under destination "relay".
import { mailboxMessages } from '../fixtures/store-inspect.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDnsServer } from '../fixtures/dns-server.ts';
import { startPosternInstance } from '../fixtures/postern-instance.ts';
import { startScriptedPeer } from '../fixtures/scripted-smtp-peer.ts';
import { submit, waitFor } from '../fixtures/smtp-client.ts';

test('routes by sender domain and account; a relay\'s 550 bounces and its 451 defers as from an MX', async (t) => {
  const relay = await startScriptedPeer({
    rcpt: (a) => a.startsWith('gone@') ? { code: 550, message: '5.1.1 <gone@remote.test>: Recipient address rejected: User unknown in relay recipient table' }
      : a.startsWith('later@') ? { code: 451, message: '4.3.0 relay busy, try later' } : null,
  });
  t.after(() => relay.close());
  const mx = await startScriptedPeer();
  t.after(() => mx.close());
  const dns = await startDnsServer({ 'remote.test': { MX: [{ priority: 10, exchange: 'mx.remote.test' }] }, 'mx.remote.test': { A: ['127.0.0.1'] } });
  t.after(() => dns.close());
  const via = `smtp://127.0.0.1:${relay.port}`;
  const pi = await startPosternInstance(dns, {
    testing: { remote_smtp_port: mx.port },
    queue: { retry_schedule_s: [3600], route: [
      { domains: ['remote.test'], sender_domains: ['other.test'], relay: via, tls: 'none' },
      { domains: ['remote.test'], accounts: ['dave@example.test'], relay: via, tls: 'none' },
    ] },
  });
  t.after(() => pi.stop());
  await pi.addDomain('example.test');
  await pi.addDomain('other.test');
  await pi.addUser('alice@example.test', 'alice-secret');
  await pi.addUser('dave@example.test', 'dave-secret');
  const carol = await pi.addUser('carol@other.test', 'carol-secret');

  const send = (user: string, pass: string, to: string, subject: string) => submit({ port: pi.submissionPort, user, pass, from: user, to: [to],
    message: `From: ${user}\r\nTo: ${to}\r\nSubject: ${subject}\r\n\r\nhello\r\n` });
  assert.equal((await send('alice@example.test', 'alice-secret', 'bob@remote.test', 'by mx')).ok, true);
  assert.equal((await send('carol@other.test', 'carol-secret', 'bob@remote.test', 'by sender domain')).ok, true);
  assert.equal((await send('dave@example.test', 'dave-secret', 'bob@remote.test', 'by account')).ok, true);
  const subjects = (peer: typeof mx) => peer.received.map((m) => /Subject: (.*)\r/.exec(m.raw.toString())![1]).sort();
  await waitFor('three deliveries', () => mx.received.length + relay.received.length === 3 || null, 15_000);
  assert.deepEqual(subjects(mx), ['by mx']);
  assert.deepEqual(subjects(relay), ['by account', 'by sender domain']);
  assert.ok(relay.received.every((m) => !m.secure), 'tls = "none": plaintext to the loopback relay');

  assert.equal((await send('carol@other.test', 'carol-secret', 'gone@remote.test', 'to nobody')).ok, true);
  const dsn = await waitFor('the bounce', async () => (await mailboxMessages(pi.ctx.store, carol)).map((m) => m.bytes.toString('latin1')).find((m) => m.includes('multipart/report')), 15_000);
  assert.match(dsn, /Action: failed\r\nStatus: 5\.1\.1\r\n/);
  assert.match(dsn, /Diagnostic-Code: smtp; 550 5\.1\.1 <gone@remote\.test>: Recipient address rejected: User unknown in relay recipient table\r\n/);

  assert.equal((await send('carol@other.test', 'carol-secret', 'later@remote.test', 'wait')).ok, true);
  const deferred = await waitFor('the deferral', async () => (await pi.ctx.store.queue.list()).flatMap((m) => m.recipients).find((r) => r.recipient === 'later@remote.test' && r.status === 'deferred'), 15_000);
  assert.match(deferred.lastError!, /^451 4\.3\.0 relay busy, try later/);
  assert.ok(deferred.nextAttemptAt - Date.now() > 3000_000, 'the schedule\'s hour, as for an MX');
  const metrics = await pi.ctx.metrics.expose();
  assert.match(metrics, /postern_outbound_rejections_total\{class="other",destination="relay"\} 2/);
});
