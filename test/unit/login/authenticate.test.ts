import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../../../src/store/sqlite/store.ts';
import { authenticate } from '../../../src/login/authenticate.ts';
import { hashPassword } from '../../../src/login/password.ts';
import { LoginThrottle } from '../../../src/login/throttle.ts';

test('authenticate checks the password, throttles failures and is case-insensitive on the address', async (t) => {
  let now = 0;
  const clock = { now: () => now };
  const store = openStore(fs.mkdtempSync(path.join(os.tmpdir(), 'postern-auth-')), { clock, migrate: true });
  t.after(() => store.close());
  const d = await store.domains.add('example.com', []);
  const alice = await store.accounts.add('alice@example.com', d.id, await hashPassword('correct horse'));
  const throttle = new LoginThrottle(store.shared, { maxFailures: 3, lockoutS: 60 });
  assert.deepEqual(await authenticate(store, throttle, '10.0.0.1', 'Alice@EXAMPLE.com', 'correct horse'), { ok: true, accountId: alice.id, address: 'alice@example.com' });
  assert.deepEqual(await authenticate(store, throttle, '10.0.0.1', 'alice@example.com', 'correct horse'), { ok: true, accountId: alice.id, address: 'alice@example.com' }, 'cached path');
  assert.deepEqual(await authenticate(store, throttle, '10.0.0.2', 'alice@example.com', 'wrong'), { ok: false, reason: 'bad-credentials' });
  assert.deepEqual(await authenticate(store, throttle, '10.0.0.2', 'ghost@example.com', 'wrong'), { ok: false, reason: 'bad-credentials' });
  await authenticate(store, throttle, '10.0.0.2', 'ghost@example.com', 'wrong');
  assert.deepEqual(await authenticate(store, throttle, '10.0.0.2', 'alice@example.com', 'correct horse'), { ok: false, reason: 'throttled' }, 'the IP is locked out');
  now += 61_000;
  assert.equal((await authenticate(store, throttle, '10.0.0.2', 'alice@example.com', 'correct horse')).ok, true);
  await store.accounts.setPassword(alice.id, await hashPassword('battery staple'));
  assert.equal((await authenticate(store, throttle, '10.0.0.3', 'alice@example.com', 'correct horse')).ok, false, 'a password change invalidates the cache');
});

test('a locked-out account stays locked under every spelling that logs in as it; unknown names share one bucket', async (t) => {
  let now = 0;
  const clock = { now: () => now };
  const store = openStore(fs.mkdtempSync(path.join(os.tmpdir(), 'postern-auth-')), { clock, migrate: true });
  t.after(() => store.close());
  const d = await store.domains.add('example.test', []);
  const bob = await store.accounts.add('bob@example.test', d.id, await hashPassword('bob-secret'));
  const throttle = new LoginThrottle(store.shared, { maxFailures: 3, lockoutS: 60 });
  const variants = ['bob@example.test.', 'bob@EXAMPLE.TEST.', 'BOB@exam\u00adple.test', 'bob@\uff45xample.test'];
  let ip = 1;
  for (const v of variants) {
    assert.deepEqual(await authenticate(store, throttle, `10.0.1.${ip++}`, v, 'bob-secret'), { ok: true, accountId: bob.id, address: 'bob@example.test' }, `${v} logs in as bob`);
  }
  // Three failures, each from its own address, each with another spelling: the account is locked.
  for (const v of variants.slice(0, 3)) assert.equal((await authenticate(store, throttle, `10.0.2.${ip++}`, v, 'guess')).ok, false);
  // (Each throttled answer waits LOGIN_MAX_DELAY_MS, so two spellings not used in the failures.)
  for (const v of ['bob@example.test', variants[3]!]) {
    assert.deepEqual(await authenticate(store, throttle, `10.0.3.${ip++}`, v, 'bob-secret'), { ok: false, reason: 'throttled' }, `${JSON.stringify(v)} is locked out too`);
  }
  // Names that are no account share one bucket: a spray of them locks only that bucket.
  for (let i = 0; i < 3; i++) await authenticate(store, throttle, `10.0.4.${ip++}`, `ghost${i}@example.test`, 'guess');
  assert.deepEqual(await authenticate(store, throttle, `10.0.5.${ip++}`, 'another-ghost@example.test', 'guess'), { ok: false, reason: 'throttled' });
  now += 61_000;
  assert.equal((await authenticate(store, throttle, `10.0.6.${ip++}`, 'bob@example.test.', 'bob-secret')).ok, true, 'after the lockout');
});
