import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../../../src/store/store.ts';
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
  const throttle = new LoginThrottle(clock, { maxFailures: 3, lockoutS: 60 });
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
