// [[queue.route]] against a real smarthost: a loopback Postfix that requires STARTTLS and AUTH
// (SASL by a private Dovecot auth service), with swaks submitting. The recipient's domain has no
// MX at all, so only the route can deliver. A wrong password defers with a reason that says so and
// sends no bounce; once the password file is fixed, a retry delivers (the file is read per connection).
import { mailboxMessages } from '../fixtures/store-inspect.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { startDnsServer } from '../fixtures/dns-server.ts';
import { startPosternInstance } from '../fixtures/postern-instance.ts';
import { postfixAvailable } from '../fixtures/postfix-peer.ts';
import { dovecotAvailable, startPostfixRelay } from '../fixtures/postfix-relay-peer.ts';
import { submit, waitFor } from '../fixtures/smtp-client.ts';

const needs = !(postfixAvailable() && dovecotAvailable()) && !process.env.CI && 'needs root, Debian postfix and dovecot-core';

test('route through an authenticating Postfix relay; wrong password defers without a bounce', { skip: needs }, async (t) => {
  const relay = await startPostfixRelay('remote.test', ['bob@remote.test'], { 'postern-relay': 'right-secret' });
  t.after(() => relay.stop());
  // mx.remote.test names the relay; remote.test itself has no MX and no address.
  const dns = await startDnsServer({ 'mx.remote.test': { A: ['127.0.0.1'] } });
  t.after(() => dns.close());
  const secrets = fs.mkdtempSync(path.join(relay.root, 'secrets-'));
  const passwordFile = path.join(secrets, 'relay-password');
  fs.writeFileSync(passwordFile, 'wrong-secret\n', { mode: 0o600 });
  const pi = await startPosternInstance(dns, {
    queue: {
      retry_schedule_s: [3600],
      route: [{ domains: ['remote.test'], relay: `smtp://mx.remote.test:${relay.port}`, tls: 'starttls', auth_user: 'postern-relay', auth_password_file: passwordFile, ca_file: relay.certFile }],
    },
  });
  t.after(() => pi.stop());
  await pi.addDomain('example.test');
  const alice = await pi.addUser('alice@example.test', 'alice-secret');
  const inboxSize = async () => (await mailboxMessages(pi.ctx.store, alice)).length;

  // swaks submits (asynchronously: Postern runs in this process and must keep serving).
  const swaks = await promisify(execFile)('swaks', ['--server', `127.0.0.1:${pi.submissionPort}`, '--tls', '--auth', 'PLAIN',
    '--auth-user', 'alice@example.test', '--auth-password', 'alice-secret', '--from', 'alice@example.test', '--to', 'bob@remote.test',
    '--header', 'Subject: via the smarthost', '--body', 'Relayed.'], { encoding: 'utf8', timeout: 20_000 });
  assert.match(swaks.stdout, /<~ +250 2\.0\.0 Ok: queued as/);

  const deferred = await waitFor('a deferred attempt', async () => (await pi.ctx.store.queue.list()).flatMap((m) => m.recipients).find((x) => x.status === 'deferred'), 45_000);
  assert.match(deferred.lastError!, /relay smtp:\/\/mx\.remote\.test:\d+ .*authentication as "postern-relay" refused: 535 5\.7\.8/);
  assert.match(deferred.lastError!, /auth_password_file/);
  assert.doesNotMatch(deferred.lastError!, /wrong-secret/);
  assert.equal(deferred.attempts, 1);
  assert.equal((await inboxSize()), 0, 'no bounce for our own configuration error');
  assert.equal(relay.delivered('bob@remote.test').length, 0);
  assert.match(await pi.ctx.metrics.expose(), /postern_outbound_rejections_total\{class="relay-auth",destination="relay"\} 1/);

  fs.writeFileSync(passwordFile, 'right-secret\n');
  const [queued] = await pi.ctx.store.queue.list();
  await pi.ctx.store.queue.retry(queued!.id, Date.now());
  const [copy] = await waitFor('Maildir delivery through the relay', () => { const d = relay.delivered('bob@remote.test'); return d.length ? d : null; }, 15_000);
  const text = copy!.toString();
  assert.match(text, /Subject: via the smarthost/);
  assert.match(text, /\(using TLS/);
  assert.match(text, /Authenticated sender: postern-relay/);
  await waitFor('queue empty', async () => (await pi.ctx.store.queue.list()).length === 0);
  assert.equal((await inboxSize()), 0);
});

test('a route whose relay certificate is not trusted defers, never falls back to plaintext', { skip: needs }, async (t) => {
  const relay = await startPostfixRelay('remote.test', ['bob@remote.test'], { u: 'p' });
  t.after(() => relay.stop());
  const dns = await startDnsServer({ 'mx.remote.test': { A: ['127.0.0.1'] } });
  t.after(() => dns.close());
  const passwordFile = path.join(relay.root, 'pw');
  fs.writeFileSync(passwordFile, 'p\n', { mode: 0o600 });
  const pi = await startPosternInstance(dns, {
    queue: { retry_schedule_s: [3600], route: [{ relay: `smtp://mx.remote.test:${relay.port}`, auth_user: 'u', auth_password_file: passwordFile }] },
  });
  t.after(() => pi.stop());
  await pi.addDomain('example.test');
  await pi.addUser('alice@example.test', 'alice-secret');
  await submit({ port: pi.submissionPort, user: 'alice@example.test', pass: 'alice-secret', from: 'alice@example.test', to: ['bob@remote.test'],
    message: 'From: alice@example.test\r\nTo: bob@remote.test\r\nSubject: untrusted\r\n\r\nx\r\n' });
  const deferred = await waitFor('a deferred attempt', async () => (await pi.ctx.store.queue.list()).flatMap((m) => m.recipients).find((x) => x.status === 'deferred'), 45_000);
  assert.match(deferred.lastError!, /certificate|self.signed/i);
  assert.equal(relay.delivered('bob@remote.test').length, 0);
});
