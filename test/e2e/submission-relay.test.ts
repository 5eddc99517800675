// Submission and relay end to end over loopback: swaks-style AUTH over STARTTLS, DKIM signing checked
// by python3-dkim, local delivery, MX routing, retries, bounces and restarts against scripted peers.
import { mailboxMessages } from '../fixtures/store-inspect.ts';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDnsServer, type DnsFixture } from '../fixtures/dns-server.ts';
import { startPosternInstance, type PosternInstance } from '../fixtures/postern-instance.ts';
import { startScriptedPeer, type ScriptedPeer } from '../fixtures/scripted-smtp-peer.ts';
import { rawDialog, submit, waitFor } from '../fixtures/smtp-client.ts';
import { verifyWithDkimpy } from '../fixtures/dkim-verify.ts';

let dns: DnsFixture;
let peer: ScriptedPeer;
let pi: PosternInstance;
let alice: number;
let carol: number;
const tries = new Map<string, number>();

async function inbox(accountId: number): Promise<Buffer[]> {
  return (await mailboxMessages(pi.ctx.store, accountId)).map((m) => m.bytes);
}

const msg = (to: string, subject: string, extra = '') => `From: Alice <alice@example.test>\r\nTo: ${to}\r\nSubject: ${subject}\r\n${extra}\r\nHello ${subject}\r\n`;

before(async () => {
  dns = await startDnsServer({
    'remote.test': { MX: [{ priority: 10, exchange: 'mx.remote.test' }] },
    'mx.remote.test': { A: ['127.0.0.1'] },
    'two.test': { MX: [{ priority: 10, exchange: 'down.two.test' }, { priority: 20, exchange: 'up.two.test' }] },
    'down.two.test': { A: ['127.0.0.2'] },
    'up.two.test': { A: ['127.0.0.1'] },
    'nullmx.test': { MX: [{ priority: 0, exchange: '.' }] },
  });
  peer = await startScriptedPeer({
    rcpt: (a) => {
      const n = (tries.get(a) ?? 0) + 1;
      tries.set(a, n);
      if (a.startsWith('later@') && n === 1) return { code: 451, message: '4.3.0 greylisted, try again' };
      if (a.startsWith('nobody@')) return { code: 550, message: '5.1.1 <nobody@remote.test>: no such user' };
      return null;
    },
  });
  pi = await startPosternInstance(dns, { testing: { remote_smtp_port: peer.port }, login: { max_failures: 5, lockout_s: 60 } });
  await pi.addDomain('example.test');
  alice = await pi.addUser('alice@example.test', 'alice-secret');
  carol = await pi.addUser('carol@example.test', 'carol-secret');
  await pi.ctx.store.aliases.add((await pi.ctx.store.domains.find('example.test'))!.id, 'sales@example.test', ['alice@example.test']);
});

after(async () => {
  await pi?.stop();
  await peer?.close();
  await dns?.close();
});

test('before TLS: no AUTH offered, AUTH and MAIL get 530 5.7.0', async () => {
  const r = await rawDialog(pi.submissionPort, ['EHLO client.test', 'AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdABhbGljZS1zZWNyZXQ=', 'MAIL FROM:<alice@example.test>']);
  assert.match(r[1]!, /STARTTLS/);
  assert.doesNotMatch(r[1]!, /AUTH/);
  assert.match(r[2]!, /^530 5\.7\.0 /);
  assert.match(r[3]!, /^530 5\.7\.0 /);
});

test('submitted over STARTTLS: signed, Bcc removed, local copy and remote copy; both DKIM signatures verify', async () => {
  const r = await submit({ port: pi.submissionPort, user: 'alice@example.test', pass: 'alice-secret', from: 'alice@example.test',
    to: ['bob@remote.test', 'carol@example.test', 'hidden@remote.test'], message: msg('bob@remote.test, carol@example.test', 'first', 'Bcc: hidden@remote.test\r\n') });
  assert.equal(r.ok, true, r.response);
  assert.match(r.response, /^250 2\.0\.0 /);
  // The local copy was committed before the 250.
  const local = (await inbox(carol));
  assert.equal(local.length, 1);
  assert.match(local[0]!.toString(), /^DKIM-Signature: v=1; a=rsa-sha256;/);
  const delivered = await waitFor('remote delivery', () => peer.received.find((m) => m.to.includes('bob@remote.test')));
  assert.deepEqual(delivered.to.sort(), ['bob@remote.test', 'hidden@remote.test']);
  assert.equal(delivered.secure, true);
  const text = delivered.raw.toString();
  assert.doesNotMatch(text, /^Bcc:/im);
  assert.match(text, /^Message-ID: </im);
  assert.match(text, /^Received: from client|^Received: from /im);
  const verdicts = await verifyWithDkimpy(delivered.raw, dns.server);
  assert.deepEqual(verdicts.map((v) => [v.pass, v.algorithm]), [[true, 'rsa-sha256'], [true, 'ed25519-sha256']]);
});

test('implicit TLS on submissions, sending through an alias that delivers to the user', async () => {
  const r = await submit({ port: pi.submissionsPort, secure: true, user: 'alice@example.test', pass: 'alice-secret', from: 'sales@example.test',
    to: ['bob@remote.test'], message: 'From: Sales <sales@example.test>\r\nTo: bob@remote.test\r\nSubject: via alias\r\n\r\nhi\r\n' });
  assert.equal(r.ok, true, r.response);
  await waitFor('alias delivery', () => peer.received.find((m) => m.raw.includes('via alias')));
});

test('sending as another user: 553 5.7.1 on MAIL FROM and on the From: header', async () => {
  const envelope = await submit({ port: pi.submissionPort, user: 'alice@example.test', pass: 'alice-secret', from: 'carol@example.test', to: ['bob@remote.test'], message: msg('bob@remote.test', 'x') });
  assert.match(envelope.response, /^553 5\.7\.1 /);
  const header = await submit({ port: pi.submissionPort, user: 'alice@example.test', pass: 'alice-secret', from: 'alice@example.test', to: ['bob@remote.test'],
    message: 'From: carol@example.test\r\nTo: bob@remote.test\r\nSubject: forged\r\n\r\nhi\r\n' });
  assert.match(header.response, /^553 5\.7\.1 /);
  const foreign = await submit({ port: pi.submissionPort, user: 'alice@example.test', pass: 'alice-secret', from: 'someone@gmail.test', to: ['bob@remote.test'], message: msg('bob@remote.test', 'x') });
  assert.match(foreign.response, /^553 5\.7\.1 /);
});

test('451 then accept: delivered once after a retry', async () => {
  const r = await submit({ port: pi.submissionPort, user: 'alice@example.test', pass: 'alice-secret', from: 'alice@example.test', to: ['later@remote.test'], message: msg('later@remote.test', 'greylisted') });
  assert.equal(r.ok, true, r.response);
  await waitFor('retried delivery', () => peer.received.find((m) => m.to.includes('later@remote.test')), 10_000);
  assert.equal(tries.get('later@remote.test'), 2);
  await waitFor('queue empty', async () => (await pi.ctx.store.queue.list()).length === 0);
  assert.equal(peer.received.filter((m) => m.to.includes('later@remote.test')).length, 1);
});

test('550: a DSN naming the recipient and the reply arrives in the sender\'s INBOX', async () => {
  const before = (await inbox(alice)).length;
  const r = await submit({ port: pi.submissionPort, user: 'alice@example.test', pass: 'alice-secret', from: 'alice@example.test', to: ['nobody@remote.test'], message: msg('nobody@remote.test', 'doomed') });
  assert.equal(r.ok, true, r.response);
  const dsn = await waitFor('DSN', async () => (await inbox(alice)).slice(before).find((m) => m.includes('multipart/report')));
  const text = dsn.toString();
  assert.match(text, /Final-Recipient: rfc822; nobody@remote\.test/);
  assert.match(text, /Diagnostic-Code: smtp; 550 5\.1\.1/);
  assert.match(text, /Subject: doomed/);
});

test('null MX: immediate DSN without any attempt', async () => {
  const before = (await inbox(alice)).length;
  await submit({ port: pi.submissionPort, user: 'alice@example.test', pass: 'alice-secret', from: 'alice@example.test', to: ['x@nullmx.test'], message: msg('x@nullmx.test', 'nullmx') });
  const dsn = await waitFor('DSN', async () => (await inbox(alice)).slice(before).find((m) => m.includes('x@nullmx.test')));
  assert.match(dsn.toString(), /Status: 5\.1\.10/);
});

test('first MX down: the second receives it', async () => {
  await submit({ port: pi.submissionPort, user: 'alice@example.test', pass: 'alice-secret', from: 'alice@example.test', to: ['someone@two.test'], message: msg('someone@two.test', 'second mx') });
  await waitFor('delivery to the second MX', () => peer.received.find((m) => m.to.includes('someone@two.test')));
});

test('restart with items in the queue: they are delivered afterwards', async () => {
  dns.servfail.add('later.test');
  dns.set('later.test', { MX: [{ priority: 10, exchange: 'mx.remote.test' }] });
  const r = await submit({ port: pi.submissionPort, user: 'alice@example.test', pass: 'alice-secret', from: 'alice@example.test', to: ['x@later.test'], message: msg('x@later.test', 'survives restart') });
  assert.equal(r.ok, true, r.response);
  // DNS failing: deferred (never bounced), still queued.
  await waitFor('a deferred attempt', async () => (await pi.ctx.store.queue.list()).some((m) => m.recipients.some((x) => x.status === 'deferred')));
  await pi.restart();
  assert.equal((await pi.ctx.store.queue.list()).length, 1);
  dns.servfail.clear();
  await waitFor('delivery after restart', () => peer.received.find((m) => m.to.includes('x@later.test')), 10_000);
});

test('wrong password: 535 5.7.8, then after 5 failures 454 4.7.0 even with the right one', async () => {
  for (let i = 0; i < 5; i++) {
    const r = await submit({ port: pi.submissionPort, user: 'carol@example.test', pass: 'wrong', from: 'carol@example.test', to: ['bob@remote.test'], message: 'x' });
    assert.match(r.response, /^535 5\.7\.8 /);
  }
  const locked = await submit({ port: pi.submissionPort, user: 'carol@example.test', pass: 'carol-secret', from: 'carol@example.test', to: ['bob@remote.test'], message: 'x' });
  assert.match(locked.response, /^454 4\.7\.0 /);
});

test('connections beyond [limits] connections_per_ip get 421 4.7.0', async (t) => {
  const limited = await startPosternInstance(dns, { limits: { connections_per_ip: 1 } });
  t.after(() => limited.stop());
  const net = await import('node:net');
  const first = net.connect(limited.submissionPort, '127.0.0.1');
  await new Promise((resolve) => first.once('data', resolve));
  const [greeting] = await rawDialog(limited.submissionPort, []);
  // Closed before stop(): the listener waits for open sessions when it closes.
  first.destroy();
  assert.match(greeting!, /^421 4\.7\.0 Too many connections from your address/);
});

test('per-user limits: recipients per message and messages per hour answer 450 4.7.1', async (t) => {
  const limited = await startPosternInstance(dns, { submission: { messages_per_hour: 1, recipients_per_message: 2 }, testing: { remote_smtp_port: peer.port } });
  t.after(() => limited.stop());
  await limited.addDomain('example.test');
  await limited.addUser('alice@example.test', 'alice-secret');
  const send = (to: string[], subject: string) => submit({ port: limited.submissionPort, user: 'alice@example.test', pass: 'alice-secret', from: 'alice@example.test', to, message: msg(to.join(', '), subject) });
  // The third RCPT gets 450 4.7.1; the message goes to the first two.
  assert.equal((await send(['a@remote.test', 'b@remote.test', 'c@remote.test'], 'limits-rcpt')).ok, true);
  const got = await waitFor('delivery', () => peer.received.find((m) => m.raw.includes('Subject: limits-rcpt')));
  assert.deepEqual(got.to.sort(), ['a@remote.test', 'b@remote.test']);
  // One message per hour: the next MAIL FROM is refused.
  assert.match((await send(['a@remote.test'], 'limits-rate')).response, /^450 4\.7\.1 /);
});

test('messages per hour holds for sessions that passed MAIL together: the count is taken at the end of DATA', async (t) => {
  const limited = await startPosternInstance(dns, { submission: { messages_per_hour: 2 }, testing: { remote_smtp_port: peer.port } });
  t.after(() => limited.stop());
  await limited.addDomain('example.test');
  await limited.addUser('alice@example.test', 'alice-secret');
  // Five sessions at once: all pass the early check at MAIL (nothing is counted yet), two are sent.
  const results = await Promise.all(Array.from({ length: 5 }, (_, i) => submit({ port: limited.submissionPort, user: 'alice@example.test', pass: 'alice-secret',
    from: 'alice@example.test', to: ['a@remote.test'], message: msg('a@remote.test', `burst-${i}`) })));
  assert.equal(results.filter((r) => r.ok).length, 2, results.map((r) => r.response).join(' | '));
  for (const r of results.filter((x) => !x.ok)) assert.match(r.response, /^450 4\.7\.1 /);
});
