// Conformance of store.shared (leases, windowed counters, the keyed cache) on both engines, and
// what must hold across nodes on PostgreSQL: a POP3 maildrop lock held on node A refuses node B, a
// login lockout counted on A holds on B, counters add up across nodes, IMAP session places are
// counted for all nodes, an MTA-STS policy fetched on A serves B, and a node that stops renewing
// (dies) frees its leases after the TTL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../../src/store/api.ts';
import type { LeaseBook } from '../../src/store/shared.ts';
import { storeTest, openTestStore, openSecondNode } from './engines.ts';
import { SHARED_LEASE_RENEW_MS, SHARED_LEASE_TTL_MS } from '../../src/limits.ts';
import { MaildropLocks } from '../../src/pop3/maildrop-locks.ts';
import { LoginThrottle } from '../../src/login/throttle.ts';
import { countSendWithin, sendsInLastHour, uncountSend } from '../../src/delivery/send-rate.ts';
import { MtaStsPolicies } from '../../src/queue/mta-sts.ts';
import type { Resolver } from '../../src/dns/resolver.ts';

const T0 = 1_800_000_000_000;
let now = T0;
const clock = { now: () => now };
const at = { clock };

/** The node's lease book: tests renew by hand to stand for the timer's ticks. */
const leasesOf = (store: Store) => (store.shared as unknown as { leases: LeaseBook }).leases;

storeTest('a lease of capacity 1 is a lock: refused while held, free once released', async (store) => {
  now = T0;
  const a = await store.shared.acquire('lock:1', 1);
  assert.ok(a);
  assert.equal(await store.shared.acquire('lock:1', 1), null);
  assert.ok(await store.shared.acquire('lock:2', 1), 'another name is another lock');
  await a.release();
  await a.release();
  const b = await store.shared.acquire('lock:1', 1);
  assert.ok(b, 'free again after release');
  assert.equal(await store.shared.acquire('lock:1', 1), null, 'a second release did not free the new holder');
}, at);

storeTest('session places: at most capacity holders, a released place is taken again', async (store) => {
  now = T0;
  const held = [await store.shared.acquire('slots', 3), await store.shared.acquire('slots', 3), await store.shared.acquire('slots', 3)];
  assert.ok(held.every((l) => l !== null));
  assert.equal(await store.shared.acquire('slots', 3), null);
  await held[1]!.release();
  assert.ok(await store.shared.acquire('slots', 3));
  assert.equal(await store.shared.acquire('slots', 3), null);
}, at);

storeTest('a lease expires when its node stops renewing it, and holds while renewed', async (store) => {
  now = T0;
  const renewed = await store.shared.acquire('renewed', 1);
  const abandoned = await store.shared.acquire('abandoned', 1);
  assert.ok(renewed && abandoned);
  // The renewal extends every unexpired lease of the node; `abandoned` stands for a lease whose
  // node died: it is renewed no more once the clock passes its expiry.
  now += SHARED_LEASE_RENEW_MS;
  await leasesOf(store).renew();
  now += SHARED_LEASE_TTL_MS - SHARED_LEASE_RENEW_MS + 1;
  assert.equal(await store.shared.acquire('renewed', 1), null, 'renewed: still held');
  assert.equal(await store.shared.acquire('abandoned', 1), null, 'renewed too (same node), still held');
  now += SHARED_LEASE_TTL_MS;
  assert.ok(await store.shared.acquire('abandoned', 1), 'past its expiry without renewal: taken over');
  await leasesOf(store).renew();
  assert.equal(await store.shared.acquire('abandoned', 1), null, 'an expired lease is not brought back by a later renewal');
}, at);

storeTest('windowed counters: add, sum per name, slide out of the window, reset, add within a limit', async (store) => {
  now = T0;
  const hour = 3_600_000;
  assert.equal(await store.shared.countAdd('c', 2, hour), 2);
  assert.equal(await store.shared.countAdd('c', 1, hour), 3);
  now += 30 * 60_000;
  assert.equal(await store.shared.countAdd('c', 4, hour), 7, 'a second bucket adds to the total');
  assert.deepEqual(await store.shared.countSum(['c', 'unknown']), [7, 0]);
  now += 31 * 60_000 + hour / 60;
  assert.deepEqual(await store.shared.countSum(['c']), [4], 'the first half hour slid out');
  assert.equal(await store.shared.countAddWithin('c', hour, 5), true);
  assert.equal(await store.shared.countAddWithin('c', hour, 5), false, 'at the limit: not added');
  assert.deepEqual(await store.shared.countSum(['c']), [5]);
  await store.shared.countReset('c');
  assert.deepEqual(await store.shared.countSum(['c']), [0]);
}, at);

storeTest('the cache: values until their expiry, replaced by a later put', async (store) => {
  now = T0;
  await store.shared.cachePut('k1', 'one', 1000);
  await store.shared.cachePut('k2', 'two', 5000);
  assert.deepEqual(await store.shared.cacheGet(['k1', 'k2', 'k3']), ['one', 'two', null]);
  await store.shared.cachePut('k1', 'uno', 10_000);
  now += 6000;
  assert.deepEqual(await store.shared.cacheGet(['k1', 'k2']), ['uno', null]);
}, at);

storeTest('the hourly send counter: submission and forwarding count into one limit; a send given back frees its place', async (store) => {
  now = T0;
  assert.equal(await countSendWithin(store, 7, 3), true);
  assert.equal(await countSendWithin(store, 7, 3), true);
  assert.equal(await countSendWithin(store, 7, 3), true);
  assert.equal(await countSendWithin(store, 7, 3), false);
  await uncountSend(store, 7);
  assert.equal(await sendsInLastHour(store, 7), 2);
  assert.equal(await countSendWithin(store, 7, 3), true);
  assert.equal(await sendsInLastHour(store, 7), 3);
  assert.equal(await sendsInLastHour(store, 8), 0);
  now += 3_600_000 + 60_000;
  assert.equal(await sendsInLastHour(store, 7), 0, 'an hour later');
}, at);

storeTest('closing a store frees the leases its node held', async (store) => {
  now = T0;
  assert.ok(await store.shared.acquire('held-at-close', 1));
  await leasesOf(store).close();
  assert.ok(await store.shared.acquire('held-at-close', 1));
}, at);

// --- two PostgreSQL nodes on one database ---

test('[postgres] a POP3 maildrop lock held on node A refuses node B until A releases it', async (t) => {
  now = T0;
  const a = await openTestStore('postgres', t, at);
  const b = await openSecondNode(a, t);
  const release = await new MaildropLocks(a.shared).tryAcquire(42);
  assert.ok(release);
  assert.equal(await new MaildropLocks(b.shared).tryAcquire(42), null, '[IN-USE] on node B');
  assert.ok(await new MaildropLocks(b.shared).tryAcquire(43), 'another maildrop is free');
  release();
  let onB: (() => void) | null = null;
  for (let i = 0; i < 50 && !onB; i++) onB = await new MaildropLocks(b.shared).tryAcquire(42);
  assert.ok(onB, 'free on node B once released on A');
});

test('[postgres] a node that dies (stops renewing) frees its POP3 lock after the lease time', async (t) => {
  now = T0;
  const a = await openTestStore('postgres', t, at);
  const b = await openSecondNode(a, t);
  assert.ok(await new MaildropLocks(a.shared).tryAcquire(42));
  now += SHARED_LEASE_RENEW_MS;
  await leasesOf(b).renew();
  assert.equal(await new MaildropLocks(b.shared).tryAcquire(42), null, 'B renewing its own leases does not extend A\'s');
  now += SHARED_LEASE_TTL_MS;
  assert.ok(await new MaildropLocks(b.shared).tryAcquire(42), 'A stopped renewing: B takes the maildrop');
});

test('[postgres] a login lockout counted on node A holds on node B; failures add up across nodes', async (t) => {
  now = T0;
  const a = await openTestStore('postgres', t, at);
  const b = await openSecondNode(a, t);
  const options = { maxFailures: 4, lockoutS: 60 };
  const onA = new LoginThrottle(a.shared, options);
  const onB = new LoginThrottle(b.shared, options);
  await onA.fail('192.0.2.1', 'account:1');
  await onB.fail('192.0.2.2', 'account:1');
  assert.equal((await onA.check('198.51.100.9', 'account:1')).delayMs, 500, 'two failures, one on each node');
  await onA.fail('192.0.2.3', 'account:1');
  await onA.fail('192.0.2.4', 'account:1');
  assert.equal((await onB.check('198.51.100.9', 'account:1')).allowed, false, 'locked out on B');
  assert.equal((await onB.check('198.51.100.9', 'account:2')).allowed, true);
  now += 61_000;
  assert.equal((await onB.check('198.51.100.9', 'account:1')).allowed, true, 'the lockout ends everywhere');
});

test('[postgres] counters and session places add up across nodes', async (t) => {
  now = T0;
  const a = await openTestStore('postgres', t, at);
  const b = await openSecondNode(a, t);
  await Promise.all(Array.from({ length: 20 }, (_, i) => countSendWithin(i % 2 ? a : b, 5, 1000)));
  assert.equal(await sendsInLastHour(a, 5), 20);
  assert.equal(await sendsInLastHour(b, 5), 20);
  const within = await Promise.all(Array.from({ length: 10 }, (_, i) => countSendWithin(i % 2 ? a : b, 5, 25)));
  assert.equal(within.filter(Boolean).length, 5, 'concurrent adds within a limit stop at it exactly');
  const places = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).shared.acquire('imap-sessions:5', 7)));
  assert.equal(places.filter((p) => p !== null).length, 7, 'concurrent claims from two nodes never exceed the capacity');
});

test('[postgres] an MTA-STS policy fetched on node A serves node B without a fetch of its own, also through B\'s DNS failure', async (t) => {
  now = T0;
  const a = await openTestStore('postgres', t, at);
  const b = await openSecondNode(a, t);
  let dnsUp = true;
  const resolver = { txt: async () => { if (!dnsUp) throw new Error('SERVFAIL'); return ['v=STSv1; id=one']; } } as unknown as Resolver;
  const fetched: string[] = [];
  const fetch = async (domain: string) => { fetched.push(domain); return 'version: STSv1\r\nmode: enforce\r\nmx: mx.remote.test\r\nmax_age: 86400\r\n'; };
  const onA = new MtaStsPolicies({ resolver, fetch, store: a });
  const onB = new MtaStsPolicies({ resolver, fetch, store: b });
  assert.equal((await onA.policyFor('remote.test'))?.mode, 'enforce');
  assert.deepEqual((await onB.policyFor('Remote.TEST'))?.mx, ['mx.remote.test']);
  assert.deepEqual(fetched, ['remote.test'], 'one fetch for both nodes');
  dnsUp = false;
  assert.equal((await onB.policyFor('remote.test'))?.mode, 'enforce', 'the cached policy holds while DNS fails (RFC 8461 §5.1)');
  now += 86_400_000 + 1;
  assert.equal(await onB.policyFor('remote.test'), null, 'expired after max_age, on every node');
});
