// The queue worker under faults of our own (issue 10, item 2): a remote 5xx stays permanent when
// the bounce cannot be stored normally (sender over quota), a bounce is stored even over quota,
// and a record() that fails leaves the recipient due again. No unhandled rejection in any case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDnsServer } from '../fixtures/dns-server.ts';
import { startPosternInstance } from '../fixtures/postern-instance.ts';
import { startScriptedPeer } from '../fixtures/scripted-smtp-peer.ts';
import { submit, waitFor } from '../fixtures/smtp-client.ts';
import { storedMessages } from '../fixtures/inbound-postern.ts';

function collectUnhandled(t: { after(fn: () => void): void }): unknown[] {
  const seen: unknown[] = [];
  const onRejection = (reason: unknown) => seen.push(reason);
  process.on('unhandledRejection', onRejection);
  t.after(() => process.off('unhandledRejection', onRejection));
  return seen;
}

test('a sender over quota whose recipient answers 550: failed for good, bounce stored anyway, worker alive', async (t) => {
  const unhandled = collectUnhandled(t);
  const peer = await startScriptedPeer({ rcpt: (a) => (a.startsWith('gone@') ? { code: 550, message: '5.1.1 no such user' } : null) });
  t.after(() => peer.close());
  const dns = await startDnsServer({ 'remote.test': { MX: [{ priority: 10, exchange: 'mx.remote.test' }] }, 'mx.remote.test': { A: ['127.0.0.1'] } });
  t.after(() => dns.close());
  const pi = await startPosternInstance(dns, { testing: { remote_smtp_port: peer.port } });
  t.after(() => pi.stop());
  await pi.addDomain('example.test');
  const alice = await pi.addUser('alice@example.test', 'alice-secret');
  await pi.ctx.store.accounts.setQuota(alice, 1);
  const send = (to: string) => submit({ port: pi.submissionPort, user: 'alice@example.test', pass: 'alice-secret', from: 'alice@example.test', to: [to],
    message: `From: alice@example.test\r\nTo: ${to}\r\nSubject: q\r\n\r\nhi\r\n` });

  assert.equal((await send('gone@remote.test')).ok, true);
  const dsn = await waitFor('the bounce in an over-quota INBOX', async () => (await storedMessages(pi.ctx.store, 'alice@example.test')).find((m) => m.bytes.includes('multipart/report')));
  assert.match(dsn.bytes.toString(), /550 5\.1\.1 no such user/);
  await waitFor('the queue entry to finish', async () => (await pi.ctx.store.queue.list()).length === 0);
  // The worker still delivers after that.
  assert.equal((await send('bob@remote.test')).ok, true);
  await waitFor('a later delivery', () => peer.received.find((m) => m.to.includes('bob@remote.test')));
  assert.deepEqual(unhandled, []);
});

test('record() failing (disk full) leaves the recipient due again; no rejection escapes the worker', async (t) => {
  const unhandled = collectUnhandled(t);
  const peer = await startScriptedPeer();
  t.after(() => peer.close());
  const dns = await startDnsServer({ 'remote.test': { MX: [{ priority: 10, exchange: 'mx.remote.test' }] }, 'mx.remote.test': { A: ['127.0.0.1'] } });
  t.after(() => dns.close());
  const pi = await startPosternInstance(dns, { testing: { remote_smtp_port: peer.port } });
  t.after(() => pi.stop());
  await pi.addDomain('example.test');
  await pi.addUser('alice@example.test', 'alice-secret');
  // Fault injection on the real store: the first commit of outcomes fails as SQLITE_FULL would.
  const queue = pi.ctx.store.queue;
  const recordSoon = queue.recordSoon.bind(queue);
  let failures = 0;
  queue.recordSoon = (outcomes, now, windowMs) => {
    if (failures++ === 0) return Promise.reject(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }));
    return recordSoon(outcomes, now, windowMs);
  };
  const r = await submit({ port: pi.submissionPort, user: 'alice@example.test', pass: 'alice-secret', from: 'alice@example.test', to: ['bob@remote.test'],
    message: 'From: alice@example.test\r\nTo: bob@remote.test\r\nSubject: q\r\n\r\nhi\r\n' });
  assert.equal(r.ok, true);
  await waitFor('the first delivery', () => peer.received.length === 1);
  await waitFor('the failed record', () => failures >= 1);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const [row] = await queue.list();
  assert.ok(row, 'the entry is still queued');
  assert.equal(row.recipients[0]!.status, 'pending', 'nothing was recorded: still pending, not deferred or failed');
  assert.equal(row.recipients[0]!.attempts, 0);
  // Due again (as after its lease, or `queue flush`): delivered and recorded this time.
  await queue.retry(null, pi.ctx.clock.now());
  await waitFor('the entry to be recorded', async () => (await queue.list()).length === 0);
  assert.deepEqual(unhandled, []);
});
