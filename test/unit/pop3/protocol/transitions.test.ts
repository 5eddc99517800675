import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Maildrop } from '../../../../src/pop3/protocol/maildrop.ts';
import { decide, initialPhase, type Action, type Environment, type Phase } from '../../../../src/pop3/protocol/transitions.ts';

const clear: Environment = { tls: false, tlsAvailable: true, plaintextAllowed: false };
const secure: Environment = { tls: true, tlsAvailable: true, plaintextAllowed: true };

function drop(): Maildrop {
  return new Maildrop([
    { uid: 3, octets: 100, uniqueId: '7.3' },
    { uid: 5, octets: 250, uniqueId: '7.5' },
    { uid: 9, octets: 40, uniqueId: '7.9' },
  ]);
}

function reply(a: Action): string {
  assert.ok(a.kind === 'reply' || a.kind === 'close' || a.kind === 'starttls', `expected a reply, got ${a.kind}`);
  return a.reply;
}

test('before TLS: CAPA offers STLS but not USER/SASL, and USER, PASS and AUTH PLAIN are refused with [AUTH]', () => {
  const capa = reply(decide(initialPhase, clear, 'CAPA'));
  assert.match(capa, /\r\nSTLS\r\n/);
  assert.doesNotMatch(capa, /USER|SASL/);
  for (const line of ['USER alice', 'AUTH PLAIN AGFsaWNlAHg=', 'PASS x']) {
    const a = decide(initialPhase, clear, line);
    assert.equal(a.kind, 'reply');
    assert.match(reply(a), /^-ERR \[AUTH\] /);
  }
  assert.deepEqual(decide(initialPhase, clear, 'STLS'), { kind: 'starttls', reply: '+OK Begin TLS negotiation\r\n' });
});

test('after TLS: STLS is refused, USER then PASS asks for a login', () => {
  assert.match(reply(decide(initialPhase, secure, 'STLS')), /^-ERR /);
  const capa = reply(decide(initialPhase, secure, 'CAPA'));
  assert.match(capa, /\r\nUSER\r\n/);
  assert.match(capa, /\r\nSASL PLAIN\r\n/);
  assert.doesNotMatch(capa, /STLS/);
  assert.match(capa, /RESP-CODES\r\n.*AUTH-RESP-CODE/s);
  const afterUser = decide(initialPhase, secure, 'USER alice@example.test');
  assert.equal(afterUser.kind, 'reply');
  const next = (afterUser as { next: Phase }).next;
  assert.deepEqual(decide(next, secure, 'PASS pass word'), { kind: 'login', user: 'alice@example.test', password: 'pass word' });
  assert.match(reply(decide(initialPhase, secure, 'PASS x')), /^-ERR Send USER first/);
});

test('loopback with allow_plaintext_loopback accepts USER without TLS', () => {
  const loop: Environment = { tls: false, tlsAvailable: true, plaintextAllowed: true };
  assert.match(reply(decide(initialPhase, loop, 'USER a')), /^\+OK/);
});

test('AUTH PLAIN: initial response, continuation, "=" and "*" cancel', () => {
  assert.deepEqual(decide(initialPhase, secure, 'AUTH PLAIN AGEAYg=='), { kind: 'sasl-plain', response: 'AGEAYg==' });
  const cont = decide(initialPhase, secure, 'auth plain');
  assert.equal(reply(cont), '+ \r\n');
  const waiting = (cont as { next: Phase }).next;
  assert.deepEqual(decide(waiting, secure, 'AGEAYg=='), { kind: 'sasl-plain', response: 'AGEAYg==' });
  const cancelled = decide(waiting, secure, '*');
  assert.match(reply(cancelled), /^-ERR /);
  assert.deepEqual((cancelled as { next: Phase }).next, initialPhase);
  assert.match(reply(decide(initialPhase, secure, 'AUTH CRAM-MD5')), /^-ERR /);
  assert.match(reply(decide(initialPhase, secure, 'AUTH')), /^\+OK .*\r\nPLAIN\r\n\.\r\n$/s);
});

test('wrong-state and unknown commands are -ERR with a reason and counted as bad', () => {
  for (const line of ['STAT', 'RETR 1', 'DELE 1', 'NOOP', 'XYZZY', 'FOOBAR 1', '']) {
    const a = decide(initialPhase, secure, line);
    assert.equal(a.kind, 'reply');
    assert.match(reply(a), /^-ERR \S/);
    assert.equal((a as { bad?: boolean }).bad, true, line);
  }
  const tx: Phase = { name: 'transaction', maildrop: drop() };
  for (const line of ['USER a', 'PASS b', 'AUTH PLAIN', 'STLS', 'APOP a b']) assert.match(reply(decide(tx, secure, line)), /^-ERR /);
  assert.equal(decide(initialPhase, secure, 'QUIT').kind, 'close');
});

test('transaction: STAT, LIST, UIDL, RETR, TOP over the snapshot', () => {
  const tx: Phase = { name: 'transaction', maildrop: drop() };
  assert.equal(reply(decide(tx, secure, 'STAT')), '+OK 3 390\r\n');
  assert.equal(reply(decide(tx, secure, 'LIST')), '+OK 3 messages (390 octets)\r\n1 100\r\n2 250\r\n3 40\r\n.\r\n');
  assert.equal(reply(decide(tx, secure, 'LIST 2')), '+OK 2 250\r\n');
  assert.equal(reply(decide(tx, secure, 'UIDL')), '+OK Unique-ID listing follows\r\n1 7.3\r\n2 7.5\r\n3 7.9\r\n.\r\n');
  assert.equal(reply(decide(tx, secure, 'UIDL 03')), '+OK 3 7.9\r\n');
  assert.deepEqual(decide(tx, secure, 'RETR 2'), { kind: 'send', message: { uid: 5, octets: 250, uniqueId: '7.5' }, topLines: null });
  assert.deepEqual(decide(tx, secure, 'TOP 1 0'), { kind: 'send', message: { uid: 3, octets: 100, uniqueId: '7.3' }, topLines: 0 });
  for (const line of ['RETR 4', 'RETR 0', 'RETR x', 'RETR', 'LIST 9', 'TOP 1', 'TOP 1 -1', 'DELE 1 2']) {
    assert.match(reply(decide(tx, secure, line)), /^-ERR \S/, line);
  }
});

test('DELE marks, hides, refuses twice; RSET unmarks; QUIT carries the marked UIDs', () => {
  const tx: Phase = { name: 'transaction', maildrop: drop() };
  assert.match(reply(decide(tx, secure, 'DELE 2')), /^\+OK/);
  assert.match(reply(decide(tx, secure, 'DELE 2')), /^-ERR Message already deleted/);
  assert.match(reply(decide(tx, secure, 'RETR 2')), /^-ERR /);
  assert.equal(reply(decide(tx, secure, 'STAT')), '+OK 2 140\r\n');
  assert.equal(reply(decide(tx, secure, 'LIST')), '+OK 2 messages (140 octets)\r\n1 100\r\n3 40\r\n.\r\n');
  decide(tx, secure, 'DELE 3');
  decide(tx, secure, 'DELE 1');
  assert.deepEqual(decide(tx, secure, 'QUIT'), { kind: 'update', uids: [3, 5, 9] });
  assert.equal(reply(decide(tx, secure, 'RSET')), '+OK 3 messages\r\n');
  assert.deepEqual(decide(tx, secure, 'QUIT'), { kind: 'update', uids: [] });
});
