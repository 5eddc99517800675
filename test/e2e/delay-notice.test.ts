// Delay notices: a recipient deferred for longer than [queue] delay_notice_s gets its sender one
// RFC 3464 report with Action: delayed and the last reply, however many attempts follow; the
// final bounce (Action: failed, 5.4.7) still comes when the queue lifetime runs out.
import { mailboxMessages } from '../fixtures/store-inspect.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDnsServer } from '../fixtures/dns-server.ts';
import { startPosternInstance } from '../fixtures/postern-instance.ts';
import { startReplyPeer } from '../fixtures/reply-peer.ts';
import { submit, waitFor } from '../fixtures/smtp-client.ts';
import { QueueWorker } from '../../src/queue/worker.ts';
import { validateConfig } from '../../src/config/load.ts';

test('one delay notice after delay_notice_s, then the bounce at expiry', async (t) => {
  const reply = ['451-4.3.0 Mailbox temporarily unavailable,', '451 4.3.0 please try again later'];
  const peer = await startReplyPeer((rcpt) => rcpt.startsWith('slow@') ? reply : null);
  t.after(() => peer.close());
  const dns = await startDnsServer({ 'remote.test': { MX: [{ priority: 10, exchange: 'mx.remote.test' }] }, 'mx.remote.test': { A: ['127.0.0.1'] } });
  t.after(() => dns.close());
  const pi = await startPosternInstance(dns, { testing: { remote_smtp_port: peer.port }, queue: { retry_schedule_s: [1], delay_notice_s: 2, lifetime_s: 3600 } });
  t.after(() => pi.stop());
  await pi.addDomain('example.test');
  const alice = await pi.addUser('alice@example.test', 'alice-secret');
  const reports = async () => (await mailboxMessages(pi.ctx.store, alice))
    .map((m) => m.bytes.toString('latin1')).filter((m) => m.includes('report-type=delivery-status'));

  const r = await submit({ port: pi.submissionPort, user: 'alice@example.test', pass: 'alice-secret', from: 'alice@example.test', to: ['slow@remote.test'],
    message: 'From: alice@example.test\r\nTo: slow@remote.test\r\nSubject: patience\r\n\r\nhello\r\n' });
  assert.equal(r.ok, true);

  const [notice] = await waitFor('the delay notice', async () => { const l = (await reports()); return l.length ? l : null; }, 15_000);
  assert.match(notice!, /Subject: Delayed Mail \(still being retried\)/);
  assert.match(notice!, /Action: delayed\r\nStatus: 4\.3\.0\r\n/);
  assert.match(notice!, /Diagnostic-Code: smtp; 451-4\.3\.0 Mailbox temporarily unavailable,\r\n 451 4\.3\.0 please try again later\r\n/);
  assert.match(notice!, /Will-Retry-Until: /);
  assert.match(notice!, /Subject: patience/);
  const [queued] = await pi.ctx.store.queue.list();
  assert.ok(queued, 'still queued after the notice');

  // More deferred attempts: still one notice.
  const attemptsAtNotice = queued!.recipients[0]!.attempts;
  await waitFor('two more attempts', async () => ((await pi.ctx.store.queue.list())[0]?.recipients[0]?.attempts ?? 0) >= attemptsAtNotice + 2, 15_000);
  assert.equal((await reports()).length, 1);

  // At expiry the bounce still comes (RFC 3463 5.4.7), quoting the last reply: a worker whose clock is past the lifetime takes over.
  await pi.worker.stop();
  const late = new QueueWorker({ ...pi.ctx, clock: { now: () => Date.now() + 3600_000 + 1000 } }, { pollMs: 50 });
  late.start();
  t.after(() => late.stop());
  const failed = await waitFor('the final bounce', async () => (await reports()).find((m) => m.includes('Action: failed')), 15_000);
  assert.match(failed, /Status: 5\.4\.7\r\n/);
  assert.match(failed, /delivery time expired; last error: 451-4\.3\.0 Mailbox temporarily unavailable,\r\n 451 4\.3\.0 please try again later/);
  assert.equal((await reports()).length, 2);
  await waitFor('the expired entry to leave the queue', async () => ((await pi.ctx.store.queue.list()).length === 0 ? true : null));
});

test('delay notices come after 4 hours unless configured', () => {
  assert.equal(validateConfig({}, null).queue.delay_notice_s, 4 * 3600);
  assert.equal(validateConfig({ queue: { delay_notice_s: 0 } }, null).queue.delay_notice_s, 0);
});
