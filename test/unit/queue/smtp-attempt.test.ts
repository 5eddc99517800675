import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deliverToHost, type OutboundMessage, type HostAttempt } from '../../../src/queue/smtp-attempt.ts';
import { startScriptedPeer, startRawPeer } from '../../fixtures/scripted-smtp-peer.ts';
import { makeTestCert } from '../../fixtures/test-cert.ts';

const body = (n: number) => Buffer.from(`From: a@example.test\r\nTo: b@remote.test\r\nSubject: ${n}\r\n\r\nhello ${n}\r\n`);
const msg = (key: string, recipients: string[]): OutboundMessage => ({ key, from: 'a@example.test', recipients, load: async () => body(Number(key)) });
const attempt = (port: number, extra: Partial<HostAttempt> = {}): HostAttempt => ({
  hostname: 'mx.remote.test', address: '127.0.0.1', port, helo: 'mail.example.test', requireTls: false,
  connectTimeoutMs: 2000, greetingTimeoutMs: 1000, socketTimeoutMs: 1000, ...extra,
});

test('one connection carries every message; per-recipient 2xx/4xx/5xx; STARTTLS used', async (t) => {
  const peer = await startScriptedPeer({
    rcpt: (a) => a.startsWith('later') ? { code: 451, message: '4.2.0 try later' } : a.startsWith('gone') ? { code: 550, message: '5.1.1 no such user' } : null,
    data: (raw) => raw.includes('hello 3') ? { code: 554, message: '5.7.1 content refused' } : null,
  });
  t.after(() => peer.close());
  const r = await deliverToHost(attempt(peer.port), [
    msg('1', ['ok@remote.test', 'later@remote.test', 'gone@remote.test']),
    msg('2', ['later2@remote.test']),
    msg('3', ['ok3@remote.test']),
    msg('4', ['ok4@remote.test']),
  ]);
  assert.equal(r.connected, true);
  assert.equal(r.tls, true);
  assert.equal(peer.connections, 1);
  const kinds = (k: string) => r.outcomes.get(k)!.map((o) => `${o.recipient}:${o.kind}`);
  assert.deepEqual(kinds('1'), ['ok@remote.test:delivered', 'later@remote.test:temporary', 'gone@remote.test:permanent']);
  assert.match(r.outcomes.get('1')![2]!.reply, /^550 5\.1\.1 no such user/);
  assert.deepEqual(kinds('2'), ['later2@remote.test:temporary']);
  assert.deepEqual(kinds('3'), ['ok3@remote.test:permanent']);
  assert.deepEqual(kinds('4'), ['ok4@remote.test:delivered']);
  assert.deepEqual(peer.received.map((m) => m.to), [['ok@remote.test'], ['ok4@remote.test']]);
  assert.equal(peer.received[0]!.secure, true);
});

test('a greeting of 4xx or 5xx: not connected, try the next MX; 5xx marks refused service', async (t) => {
  const p4 = await startScriptedPeer({ greeting: () => ({ code: 421, message: '4.3.2 busy' }) });
  const p5 = await startScriptedPeer({ greeting: () => ({ code: 554, message: '5.7.1 go away' }) });
  t.after(() => Promise.all([p4.close(), p5.close()]));
  const r4 = await deliverToHost(attempt(p4.port), [msg('1', ['x@remote.test'])]);
  assert.equal(r4.connected, false);
  assert.equal(r4.refusedService, false);
  assert.deepEqual(r4.notAttempted, ['1']);
  const r5 = await deliverToHost(attempt(p5.port), [msg('1', ['x@remote.test'])]);
  assert.equal(r5.connected, false);
  assert.equal(r5.refusedService, true);
});

test('connection refused and a silent peer (timeout) are connection failures', async (t) => {
  const silent = await startRawPeer('silent');
  t.after(() => silent.close());
  const refused = await deliverToHost(attempt(1), [msg('1', ['x@remote.test'])]);
  assert.equal(refused.connected, false);
  const started = Date.now();
  const timedOut = await deliverToHost(attempt(silent.port, { greetingTimeoutMs: 300 }), [msg('1', ['x@remote.test'])]);
  assert.equal(timedOut.connected, false);
  assert.ok(Date.now() - started < 3000);
});

test('a drop mid-DATA: that message is temporary, the rest not attempted', async (t) => {
  const peer = await startRawPeer('drop-mid-data');
  t.after(() => peer.close());
  const r = await deliverToHost(attempt(peer.port), [msg('1', ['a@remote.test', 'b@remote.test']), msg('2', ['c@remote.test'])]);
  assert.equal(r.connected, true);
  assert.deepEqual(r.outcomes.get('1')!.map((o) => o.kind), ['temporary', 'temporary']);
  assert.deepEqual(r.notAttempted, ['2']);
  assert.equal(peer.received.length, 0);
});

test('a failed STARTTLS handshake falls back to plaintext, unless TLS is required', async (t) => {
  const peer = await startRawPeer('bad-starttls');
  t.after(() => peer.close());
  const r = await deliverToHost(attempt(peer.port), [msg('1', ['a@remote.test'])]);
  assert.equal(r.tls, false);
  assert.deepEqual(r.outcomes.get('1')!.map((o) => o.kind), ['delivered']);
  assert.equal(peer.connections, 2);
  const strict = await deliverToHost(attempt(peer.port, { requireTls: true }), [msg('1', ['a@remote.test'])]);
  assert.equal(strict.connected, false);
  assert.equal(peer.received.length, 1);
});

test('required TLS verifies the certificate against the MX name', async (t) => {
  const cert = makeTestCert(['mx.remote.test']);
  const peer = await startScriptedPeer({ cert });
  t.after(() => peer.close());
  const untrusted = await deliverToHost(attempt(peer.port, { requireTls: true }), [msg('1', ['a@remote.test'])]);
  assert.equal(untrusted.connected, false);
  const wrongName = await deliverToHost(attempt(peer.port, { requireTls: true, ca: cert.cert, hostname: 'other.remote.test' }), [msg('1', ['a@remote.test'])]);
  assert.equal(wrongName.connected, false);
  const ok = await deliverToHost(attempt(peer.port, { requireTls: true, ca: cert.cert }), [msg('1', ['a@remote.test'])]);
  assert.deepEqual(ok.outcomes.get('1')!.map((o) => o.kind), ['delivered']);
  assert.equal(peer.received.length, 1);
});

test('a route names its TLS: implicit from the first byte, STARTTLS required, none in plaintext; AUTH only inside TLS', async (t) => {
  const cert = makeTestCert(['relay.test']);
  const ok = (user: string, pass: string) => user === 'u' && pass === 'p';
  const relay = { hostname: 'relay.test', ca: cert.cert, auth: { user: 'u', pass: 'p' } };
  const implicit = await startScriptedPeer({ cert, secure: true, auth: ok });
  t.after(() => implicit.close());
  const r465 = await deliverToHost(attempt(implicit.port, { ...relay, tlsMode: 'implicit' }), [msg('1', ['a@remote.test'])]);
  assert.deepEqual(r465.outcomes.get('1')!.map((o) => o.kind), ['delivered']);
  assert.equal(r465.tls, true);
  assert.deepEqual(implicit.logins, [{ user: 'u', ok: true, secure: true }]);
  assert.equal(implicit.received[0]!.secure, true);
  // An implicit-TLS relay whose certificate we do not trust: no delivery, no password sent.
  const untrusted = await deliverToHost(attempt(implicit.port, { ...relay, ca: undefined, tlsMode: 'implicit' }), [msg('2', ['a@remote.test'])]);
  assert.equal(untrusted.connected, false);
  assert.equal(implicit.logins.length, 1);

  const wrong = await deliverToHost(attempt(implicit.port, { ...relay, auth: { user: 'u', pass: 'nope' }, tlsMode: 'implicit' }), [msg('3', ['a@remote.test'])]);
  assert.equal(wrong.authFailed, true);
  assert.match(wrong.error!, /authentication as "u" refused: 535/);
  assert.doesNotMatch(wrong.error!, /nope/);
  assert.deepEqual(wrong.notAttempted, ['3']);

  // STARTTLS named by the route and not offered: no plaintext fallback, nothing sent.
  const noTls = await startScriptedPeer({ cert, hideStartTls: true, auth: ok });
  t.after(() => noTls.close());
  const r587 = await deliverToHost(attempt(noTls.port, { ...relay, tlsMode: 'starttls' }), [msg('4', ['a@remote.test'])]);
  assert.equal(r587.connected, false, JSON.stringify({ ...r587, outcomes: [...r587.outcomes] }));
  assert.equal(noTls.received.length + noTls.logins.length, 0);

  // tls = "none" (a loopback relay): plaintext even when STARTTLS is offered; and AUTH is never sent in clear
  // (the configuration refuses auth_user with tls = "none"; the connection refuses it too).
  const plain = await startScriptedPeer({ cert, auth: ok });
  t.after(() => plain.close());
  const rNone = await deliverToHost(attempt(plain.port, { hostname: 'relay.test', tlsMode: 'none' }), [msg('5', ['a@remote.test'])]);
  assert.deepEqual(rNone.outcomes.get('5')!.map((o) => o.kind), ['delivered']);
  assert.equal(plain.received[0]!.secure, false);
  const clear = await deliverToHost(attempt(plain.port, { ...relay, tlsMode: 'none' }), [msg('6', ['a@remote.test'])]);
  assert.equal(clear.authFailed, true);
  assert.match(clear.error!, /not encrypted; not sending the password/);
  assert.equal(plain.logins.length, 0);
  assert.equal(plain.received.length, 1);
});
