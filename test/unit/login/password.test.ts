import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword, verifyPassword } from '../../../src/login/password.ts';
import { decodeSaslPlain } from '../../../src/login/sasl.ts';
import { LoginThrottle } from '../../../src/login/throttle.ts';

test('passwords hash to scrypt PHC strings with a random salt and verify', async () => {
  const a = await hashPassword('correct horse');
  const b = await hashPassword('correct horse');
  assert.match(a, /^\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
  assert.notEqual(a, b, 'salted');
  assert.equal(await verifyPassword('correct horse', a), true);
  assert.equal(await verifyPassword('correct horsE', a), false);
  assert.equal(await verifyPassword('', a), false);
  assert.equal(await verifyPassword('correct horse', 'garbage'), false);
  assert.equal(await verifyPassword('ünïcödé', await hashPassword('ünïcödé')), true);
});

test('SASL PLAIN decoding', () => {
  assert.deepEqual(decodeSaslPlain(Buffer.from('\0alice@example.com\0secret').toString('base64')), { authzid: '', username: 'alice@example.com', password: 'secret' });
  assert.equal(decodeSaslPlain('not base64!'), null);
  assert.equal(decodeSaslPlain(Buffer.from('alice\0secret').toString('base64')), null);
  assert.equal(decodeSaslPlain(Buffer.from('\0\0secret').toString('base64')), null);
});

test('the throttle delays progressively, locks out, and forgets after the lockout', () => {
  let now = 0;
  const t = new LoginThrottle({ now: () => now }, { maxFailures: 5, lockoutS: 60 });
  assert.deepEqual(t.check('1.2.3.4', 'a@x.y'), { allowed: true, delayMs: 0 });
  t.fail('1.2.3.4', 'a@x.y');
  t.fail('1.2.3.4', 'a@x.y');
  assert.deepEqual(t.check('1.2.3.4', 'a@x.y'), { allowed: true, delayMs: 500 });
  assert.equal(t.check('5.6.7.8', 'A@X.Y').delayMs, 500, 'per account, case-insensitive');
  for (let i = 0; i < 3; i++) t.fail('1.2.3.4', 'b@x.y');
  assert.equal(t.check('1.2.3.4', 'c@x.y').allowed, false, 'the IP is locked out after 5 failures');
  assert.equal(t.check('9.9.9.9', 'c@x.y').allowed, true, 'other IPs are not');
  now += 61_000;
  assert.equal(t.check('1.2.3.4', 'c@x.y').allowed, true, 'the lockout ends');
});
