// Sieve at delivery against real peers: mail arrives on Postern's port 25 (from swaks) for a user
// whose script redirects or answers with a vacation reply; a loopback Postfix is the remote MX.
// Checked at Postfix: the forward's MAIL FROM is an SRS address of our domain whose SPF passes,
// its ARC chain verifies with python3-dkim's ARC verification (also as the second set on top of a
// chain another forwarder began, sealed by python3-dkim's arcsign), a 550 for one forward target comes
// back as a DSN to the original sender (the SRS address decoded), and the vacation reply arrives
// once, DKIM-signed (verified by python3-dkim), auto-replied and threaded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startDnsServer } from '../fixtures/dns-server.ts';
import { startPosternInstance } from '../fixtures/postern-instance.ts';
import { startPostfixPeer, postfixAvailable } from '../fixtures/postfix-peer.ts';
import { arcVerifyWithDkimpy, verifyWithDkimpy } from '../fixtures/dkim-verify.ts';
import { arcSign, generateDkimKey } from '../fixtures/dkim-signer.ts';
import { rawDialog, waitFor } from '../fixtures/smtp-client.ts';
import { srsFor } from '../../src/srs/srs.ts';
import { startInboundSmtp } from '../../src/smtp/inbound-server.ts';
import { verifyMessage } from '../../src/email-auth/verify.ts';

const run = promisify(execFile);

const crlf = (b: Buffer) => Buffer.from(b.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');

test('Sieve redirect and vacation through a loopback Postfix: SRS + SPF pass, ARC verifies, 550 → DSN to the sender, one DKIM-signed reply', { skip: !postfixAvailable() && !process.env.CI && 'needs root and Debian postfix', timeout: 90_000 }, async (t) => {
  const postfix = await startPostfixPeer('peer.test', ['alice@peer.test', 'carol@peer.test']);
  t.after(() => postfix.stop());
  const dns = await startDnsServer({
    'peer.test': { MX: [{ priority: 10, exchange: 'mx.peer.test' }] }, 'mx.peer.test': { A: ['127.0.0.1'] },
    'example.test': { TXT: ['v=spf1 ip4:127.0.0.1 -all'] },
  });
  t.after(() => dns.close());
  const pi = await startPosternInstance(dns, { testing: { remote_smtp_port: postfix.port } });
  t.after(() => pi.stop());
  await pi.addDomain('example.test');
  const bob = await pi.addUser('bob@example.test', 'bob-secret');
  const inbound = await startInboundSmtp(pi.ctx, { host: '127.0.0.1', port: 0 });
  t.after(() => inbound.close());
  await pi.ctx.store.sieve.put(bob, 'main', [
    'require ["vacation", "copy"];',
    'if header :contains "subject" "sealed" { redirect "carol@peer.test"; }',
    'elsif header :contains "subject" "forward" { redirect :copy "carol@peer.test"; redirect :copy "nobody@peer.test"; }',
    'else { vacation :days 1 :subject "Away" "I am away until Monday."; }',
  ].join('\r\n'));
  await pi.ctx.store.sieve.setActive(bob, 'main');
  const swaks = (subject: string) => run('swaks', ['--server', `127.0.0.1:${inbound.port}`, '--from', 'alice@peer.test', '--to', 'bob@example.test',
    '--header', `Subject: ${subject}`, '--header', 'Message-Id: <m-' + subject.replace(/\W/g, '') + '@peer.test>', '--body', 'Hello Bob.'], { encoding: 'utf8', timeout: 20_000 });

  assert.match((await swaks('please forward')).stdout, /<- +250 2\.6\.0 /);
  const [forwarded] = await waitFor('the forward at Postfix', () => { const d = postfix.delivered('carol@peer.test'); return d.length ? d : null; }, 20_000);
  const fwd = crlf(forwarded!);
  const returnPath = /^Return-Path: <([^>]*)>/m.exec(fwd.toString())?.[1] ?? '';
  assert.match(returnPath, /^SRS0=[^=]{4}=[A-Z2-7]{2}=peer\.test=alice@example\.test$/i, 'MAIL FROM rewritten with SRS');
  const spf = await verifyMessage(fwd, { ip: '127.0.0.1', helo: 'mail.example.test', mailFrom: returnPath }, { resolver: pi.ctx.resolver, hostname: 'mx.peer.test', timeoutMs: 5000 });
  assert.equal(spf.spf, 'pass', 'SPF for the SRS sender passes at the receiver');
  assert.match(fwd.toString(), /^Delivered-To: bob@example\.test\r$/m);
  const arc = await arcVerifyWithDkimpy(fwd, dns.server);
  assert.match(arc, /^pass 1 /, `ARC chain verifies: ${arc}`);

  // RFC 8617 §5.1: on top of an existing chain, our set is i=2 with cv=pass, and the whole chain verifies.
  const upstreamKey = generateDkimKey();
  dns.set('arc._domainkey.forwarder.test', { TXT: [upstreamKey.dnsTxt] });
  const original = Buffer.from('From: Alice <alice@peer.test>\r\nTo: bob@example.test\r\nSubject: sealed upstream\r\nMessage-ID: <sealed@peer.test>\r\n\r\nVia a list.\r\n');
  const sealed = arcSign(original, 'arc', 'forwarder.test', upstreamKey, 'forwarder.test', 'spf=pass smtp.mailfrom=peer.test');
  const sent = await rawDialog(inbound.port, ['EHLO forwarder.test', 'MAIL FROM:<alice@peer.test>', 'RCPT TO:<bob@example.test>', 'DATA', `${sealed.toString('latin1').replace(/\r?\n$/, '')}\r\n.`, 'QUIT']);
  assert.match(sent[5]!, /^250 /, sent.join('\n'));
  const second = crlf(await waitFor('the forward of the sealed message', () => postfix.delivered('carol@peer.test').find((m) => /Subject: sealed upstream/.test(m.toString())) ?? null, 20_000));
  assert.match(second.toString(), /^ARC-Seal: i=2; [^\r]*cv=pass/m);
  const chain = await arcVerifyWithDkimpy(second, dns.server);
  assert.match(chain, /^pass 2 /, `the two-set ARC chain verifies: ${chain}`);

  // nobody@peer.test is unknown to Postfix: 550, and the DSN goes to the original sender.
  const [dsn] = await waitFor('the DSN for the refused forward', () => { const d = postfix.delivered('alice@peer.test').filter((m) => /report-type=delivery-status/.test(m.toString())); return d.length ? d : null; }, 30_000);
  assert.match(dsn!.toString(), /Final-Recipient: rfc822; nobody@peer\.test/);
  assert.match(dsn!.toString(), /Status: 5\.1\.1/);
  assert.match(dsn!.toString(), /^Return-Path: <>/m, 'a DSN comes from the null sender');

  // Bounces to SRS addresses: a forged one is refused, never relayed; a genuine one reaches the original sender.
  const forged = await rawDialog(inbound.port, ['EHLO peer.test', 'MAIL FROM:<>', 'RCPT TO:<SRS0=abcd=AA=peer.test=alice@example.test>', 'QUIT']);
  assert.match(forged[3]!, /^550 5\.1\.1 Invalid SRS address/);
  const genuine = srsFor(pi.dataDir).forward('alice@peer.test', 'example.test', Date.now());
  const relayed = await rawDialog(inbound.port, ['EHLO peer.test', 'MAIL FROM:<>', `RCPT TO:<${genuine}>`, 'DATA',
    'From: MAILER-DAEMON@elsewhere.test\r\nTo: <' + genuine + '>\r\nSubject: Undeliverable: srs bounce\r\n\r\nIt bounced.\r\n.', 'QUIT']);
  assert.match(relayed[3]!, /^250 /, relayed.join('\n'));
  assert.match(relayed[5]!, /^250 /, relayed.join('\n'));
  await waitFor('the SRS bounce at the original sender', () => (postfix.delivered('alice@peer.test').some((m) => /Subject: Undeliverable: srs bounce/.test(m.toString())) ? true : null), 20_000);

  await swaks('hello');
  await swaks('hello again');
  const [reply] = await waitFor('the vacation reply', () => { const d = postfix.delivered('alice@peer.test').filter((m) => /Subject: Away/.test(m.toString())); return d.length ? d : null; }, 20_000);
  const text = crlf(reply!);
  assert.match(text.toString(), /^Auto-Submitted: auto-replied\r$/m);
  assert.match(text.toString(), /^In-Reply-To: <m-hello@peer\.test>\r$/m);
  assert.match(text.toString(), /^Return-Path: <>/m);
  const verdicts = await verifyWithDkimpy(text, dns.server);
  assert.ok(verdicts.length >= 1 && verdicts.every((v) => v.pass && v.domain === 'example.test'), JSON.stringify(verdicts));
  // The second message came within :days: no second reply, even after the queue has had time.
  await waitFor('the queue to empty', async () => ((await pi.ctx.store.queue.list()).length === 0 ? true : null), 20_000);
  assert.equal(postfix.delivered('alice@peer.test').filter((m) => /Subject: Away/.test(m.toString())).length, 1, 'one reply per sender per :days');
  assert.equal((await pi.ctx.store.mailboxes.find(bob, 'INBOX'))!.messages, 3, 'redirect :copy and vacation keep every message');
});
