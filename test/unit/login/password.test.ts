import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword, verifyPassword } from '../../../src/login/password.ts';
import { decodeSaslPlain } from '../../../src/login/sasl.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LoginThrottle } from '../../../src/login/throttle.ts';
import { openStore } from '../../../src/store/sqlite/store.ts';

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

test('the throttle delays progressively, locks out, and forgets after the lockout', async (tc) => {
  let now = 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-throttle-'));
  const store = openStore(dir, { clock: { now: () => now }, migrate: true });
  tc.after(() => { void store.close(); fs.rmSync(dir, { recursive: true, force: true }); });
  const t = new LoginThrottle(store.shared, { maxFailures: 5, lockoutS: 60 });
  assert.deepEqual(await t.check('1.2.3.4', 'a@x.y'), { allowed: true, delayMs: 0 });
  await t.fail('1.2.3.4', 'a@x.y');
  await t.fail('1.2.3.4', 'a@x.y');
  assert.deepEqual(await t.check('1.2.3.4', 'a@x.y'), { allowed: true, delayMs: 500 });
  assert.equal((await t.check('5.6.7.8', 'A@X.Y')).delayMs, 500, 'per account, case-insensitive');
  for (let i = 0; i < 3; i++) await t.fail('1.2.3.4', 'b@x.y');
  assert.equal((await t.check('1.2.3.4', 'c@x.y')).allowed, false, 'the IP is locked out after 5 failures');
  assert.equal((await t.check('9.9.9.9', 'c@x.y')).allowed, true, 'other IPs are not');
  now += 61_000;
  assert.equal((await t.check('1.2.3.4', 'c@x.y')).allowed, true, 'the lockout ends');
  assert.deepEqual(await t.check('1.2.3.4', 'c@x.y'), { allowed: true, delayMs: 0 }, 'and its count starts again');
  await t.fail('7.7.7.7', 'd@x.y');
  now += 16 * 60_000;
  assert.equal((await t.check('7.7.7.7', 'd@x.y')).delayMs, 0, 'failures older than the 15-minute window are forgotten');
});
