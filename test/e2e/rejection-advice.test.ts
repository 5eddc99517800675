// The remote reply, explained: a multi-line rejection is kept whole in the queue history, quoted
// whole in the bounce (Diagnostic-Code: smtp; with one folded line per reply line) with the advice
// from the table of known rejections, printed with that advice by `postern queue show`, and counted
// in /metrics by class and destination; a greylisting deferral is retried after minutes, not on the
// schedule's long step.
import { mailboxMessages } from '../fixtures/store-inspect.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startDnsServer } from '../fixtures/dns-server.ts';
import { cliStoreToml } from '../fixtures/test-store.ts';
import { startPosternInstance } from '../fixtures/postern-instance.ts';
import { startReplyPeer } from '../fixtures/reply-peer.ts';
import { submit, waitFor } from '../fixtures/smtp-client.ts';
import { GREYLIST_RETRY_S } from '../../src/limits.ts';

const BIN = path.resolve(import.meta.dirname, '../../bin/postern');

const PTR_REJECTION = [
  '550-5.7.25 [192.0.2.25] The IP address sending this message does not have a',
  '550-5.7.25 PTR record setup, or the corresponding forward DNS entry does not',
  '550-5.7.25 point to the sending IP. As a policy, Gmail does not accept messages',
  '550 5.7.25 from IPs with missing PTR records. - gsmtp',
];

test('multi-line rejections: kept whole, quoted in the bounce with advice, shown by queue show, counted', async (t) => {
  const peer = await startReplyPeer((rcpt) => rcpt.startsWith('noptr@') ? PTR_REJECTION
    : rcpt.startsWith('grey@') ? ['450-4.7.1 <grey@gmail.test>: Recipient address rejected:', '450 4.7.1 Greylisted, see https://postgrey.example/ for details'] : null);
  t.after(() => peer.close());
  const dns = await startDnsServer({ 'gmail.test': { MX: [{ priority: 5, exchange: 'gmail-smtp-in.l.google.com' }] }, 'gmail-smtp-in.l.google.com': { A: ['127.0.0.1'] } });
  t.after(() => dns.close());
  // The schedule's first step is an hour: only the greylisting rule can bring the retry sooner.
  const pi = await startPosternInstance(dns, { testing: { remote_smtp_port: peer.port }, queue: { retry_schedule_s: [3600] } });
  t.after(() => pi.stop());
  await pi.addDomain('example.test');
  const alice = await pi.addUser('alice@example.test', 'alice-secret');
  const inbox = async () => (await mailboxMessages(pi.ctx.store, alice)).map((m) => m.bytes.toString('latin1'));

  const send = (to: string) => submit({ port: pi.submissionPort, user: 'alice@example.test', pass: 'alice-secret', from: 'alice@example.test', to: [to],
    message: `From: alice@example.test\r\nTo: ${to}\r\nSubject: to ${to}\r\n\r\nhello\r\n` });
  assert.equal((await send('noptr@gmail.test')).ok, true);
  const dsn = await waitFor('the bounce', async () => (await inbox()).find((m) => m.includes('multipart/report')), 15_000);
  // Every reply line survives, in order, in the Diagnostic-Code field (folded) and in the text part.
  assert.match(dsn, /Diagnostic-Code: smtp; 550-5\.7\.25 \[192\.0\.2\.25\] The IP address sending this message does not have a\r\n 550-5\.7\.25 PTR record setup,[^\r]*\r\n 550-5\.7\.25 point to[^\r]*\r\n 550 5\.7\.25 from IPs with missing PTR records\. - gsmtp\r\n/);
  assert.match(dsn, /Status: 5\.7\.25/);
  assert.match(dsn.replace(/\r\n +/g, ' '), /What to do: the sending IP address \(often the IPv6 one\) has no reverse DNS/);
  assert.match(dsn, /postern doctor/);

  assert.equal((await send('grey@gmail.test')).ok, true);
  const grey = await waitFor('a greylisted deferral', async () => (await pi.ctx.store.queue.list()).flatMap((m) => m.recipients).find((r) => r.recipient === 'grey@gmail.test' && r.status === 'deferred'), 15_000);
  assert.match(grey.lastError!, /^450-4\.7\.1 <grey@gmail\.test>: Recipient address rejected:\n450 4\.7\.1 Greylisted/);
  const wait = grey.nextAttemptAt - Date.now();
  assert.ok(wait <= GREYLIST_RETRY_S * 1000 && wait > (GREYLIST_RETRY_S - 60) * 1000, `greylisting retries within ${GREYLIST_RETRY_S} s, not the hour of the schedule (${wait} ms)`);

  const metrics = await pi.ctx.metrics.expose();
  assert.match(metrics, /postern_outbound_rejections_total\{class="no-ptr",destination="google"\} 1/);
  assert.match(metrics, /postern_outbound_rejections_total\{class="greylisted",destination="google"\} 1/);

  // The operator's view, from the same data directory.
  const configFile = path.join(pi.dataDir, 'postern.toml');
  fs.writeFileSync(configFile, `hostname = "mail.example.test"\ndata_dir = "${pi.dataDir}"\n${cliStoreToml(pi.config)}`);
  const [queued] = await pi.ctx.store.queue.list();
  const show = spawnSync(process.execPath, [BIN, 'queue', 'show', String(queued!.id), '--config', configFile], { encoding: 'utf8' });
  assert.equal(show.status, 0, show.stderr);
  assert.match(show.stdout, /450-4\.7\.1 <grey@gmail\.test>: Recipient address rejected:\n\s+450 4\.7\.1 Greylisted/);
  assert.match(show.stdout, /What to do:\n  grey@gmail\.test \(greylisted\): the receiver greylists/);
  const json = JSON.parse(spawnSync(process.execPath, [BIN, 'queue', 'show', String(queued!.id), '--json', '--config', configFile], { encoding: 'utf8' }).stdout);
  assert.equal(json.advice[0].class, 'greylisted');
});
