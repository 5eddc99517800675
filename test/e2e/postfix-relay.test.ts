// Thunderbird-style submission (587, STARTTLS, AUTH PLAIN) by swaks, relayed by Postern to a real
// Postfix found through MX records in the DNS fixture; the copy in Postfix's Maildir carries DKIM
// signatures that python3-dkim verifies against the keys in the DNS fixture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startDnsServer } from '../fixtures/dns-server.ts';
import { startPosternInstance } from '../fixtures/postern-instance.ts';
import { startPostfixPeer, postfixAvailable } from '../fixtures/postfix-peer.ts';
import { verifyWithDkimpy } from '../fixtures/dkim-verify.ts';
import { waitFor } from '../fixtures/smtp-client.ts';

test('swaks → Postern (587 STARTTLS AUTH PLAIN) → Postfix Maildir, DKIM verifies', { skip: !postfixAvailable() && !process.env.CI && 'needs root and Debian postfix' }, async (t) => {
  const postfix = await startPostfixPeer('remote.test', ['bob@remote.test']);
  t.after(() => postfix.stop());
  const dns = await startDnsServer({ 'remote.test': { MX: [{ priority: 10, exchange: 'mx.remote.test' }] }, 'mx.remote.test': { A: ['127.0.0.1'] } });
  t.after(() => dns.close());
  const pi = await startPosternInstance(dns, { testing: { remote_smtp_port: postfix.port } });
  t.after(() => pi.stop());
  await pi.addDomain('example.test');
  await pi.addUser('alice@example.test', 'alice-secret');

  // Asynchronous: Postern runs in this process and must keep serving while swaks talks to it.
  const swaks = await promisify(execFile)('swaks', ['--server', `127.0.0.1:${pi.submissionPort}`, '--tls', '--auth', 'PLAIN',
    '--auth-user', 'alice@example.test', '--auth-password', 'alice-secret', '--from', 'alice@example.test', '--to', 'bob@remote.test',
    '--header', 'Subject: hello from swaks', '--body', 'Relayed and signed.'], { encoding: 'utf8', timeout: 20_000 });
  assert.match(swaks.stdout, /<~ +250 2\.0\.0 Ok: queued as/);

  const [copy] = await waitFor('Maildir delivery', () => { const d = postfix.delivered('bob@remote.test'); return d.length ? d : null; }, 15_000);
  const text = copy!.toString();
  assert.match(text, /Subject: hello from swaks/);
  // Postfix saw a TLS session from us.
  assert.match(text, /\(using TLS/);
  // Postfix writes LF line endings into the Maildir; DKIM canonicalization is defined over CRLF.
  const crlf = Buffer.from(text.replace(/\r?\n/g, '\r\n'));
  const verdicts = await verifyWithDkimpy(crlf, dns.server);
  assert.deepEqual(verdicts.map((v) => [v.pass, v.domain, v.algorithm]), [[true, 'example.test', 'rsa-sha256'], [true, 'example.test', 'ed25519-sha256']]);
});
