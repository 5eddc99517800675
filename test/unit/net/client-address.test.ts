import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientKey, isLoopback } from '../../../src/net/client-address.ts';
import { ConnectionLimiter } from '../../../src/net/connection-limiter.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LoginThrottle } from '../../../src/login/throttle.ts';
import { openStore } from '../../../src/store/sqlite/store.ts';

test('loopback is 127/8 and ::1 in every spelling, nothing else', () => {
  for (const ip of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1', '0:0:0:0:0:0:0:1', '::FFFF:127.9.9.9']) assert.equal(isLoopback(ip), true, ip);
  for (const ip of ['10.0.0.1', '::2', '::ffff:10.0.0.1', '', 'localhost', '1::', '128.0.0.1', '::127.0.0.1x']) assert.equal(isLoopback(ip), false, ip);
});

test('IPv6 clients are keyed by their /64, IPv4 by the address, mapped IPv4 like IPv4', () => {
  assert.equal(clientKey('2001:db8:1:2:aaaa::1', 64), clientKey('2001:db8:1:2:ffff:ffff:ffff:ffff', 64));
  assert.notEqual(clientKey('2001:db8:1:2::1', 64), clientKey('2001:db8:1:3::1', 64));
  assert.equal(clientKey('2001:db8:1:2::1', 64), '2001:db8:1:2:0:0:0:0/64');
  assert.equal(clientKey('2001:db8:1:2::1', 48), clientKey('2001:db8:1:ffff::1', 48));
  assert.notEqual(clientKey('2001:db8::1', 128), clientKey('2001:db8::2', 128));
  assert.equal(clientKey('::ffff:192.0.2.1', 64), '192.0.2.1');
  assert.equal(clientKey('192.0.2.1', 64), '192.0.2.1');
  assert.equal(clientKey('not an address', 64), 'not an address');
});

test('the limiter counts per /64 and in total, and a release is counted once', () => {
  const limiter = new ConnectionLimiter({ maxPerIp: 2, maxTotal: 3, ipv6Prefix: 64 });
  const a = limiter.admit('2001:db8::1');
  const b = limiter.admit('2001:db8::2');
  assert.equal(a.admitted && b.admitted, true);
  assert.deepEqual(limiter.admit('2001:db8::ffff'), { admitted: false, reason: 'per-ip' });
  const c = limiter.admit('192.0.2.1');
  assert.equal(c.admitted, true);
  assert.deepEqual(limiter.admit('192.0.2.2'), { admitted: false, reason: 'total' });
  if (a.admitted) { a.release(); a.release(); }
  assert.equal(limiter.total, 2);
  assert.equal(limiter.admit('2001:db8::3').admitted, true);
  if (c.admitted) c.release();
  assert.deepEqual(limiter.admit('2001:db8::4'), { admitted: false, reason: 'per-ip' });
});

test('the login throttle counts failures from one /64 together', async (t) => {
  let now = 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-throttle-'));
  const store = openStore(dir, { clock: { now: () => now }, migrate: true });
  t.after(() => { void store.close(); fs.rmSync(dir, { recursive: true, force: true }); });
  const throttle = new LoginThrottle(store.shared, { maxFailures: 3, lockoutS: 60 });
  for (let i = 1; i <= 3; i++) await throttle.fail(`2001:db8:0:1::${i}`, `user${i}@example.test`);
  assert.equal((await throttle.check('2001:db8:0:1::99', 'other@example.test')).allowed, false);
  assert.equal((await throttle.check('2001:db8:0:2::1', 'other@example.test')).allowed, true);
  now += 61_000;
  assert.equal((await throttle.check('2001:db8:0:1::99', 'other@example.test')).allowed, true);
});
