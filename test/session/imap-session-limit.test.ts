// The per-account IMAP session limit is counted in the store (store.shared leases), not per
// process: two IMAP servers on one store (two listeners, or two nodes on PostgreSQL — see
// test/store/shared-state.test.ts) share the account's places, and a LOGOUT gives one back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { makeHarness, TestClient, PASSWORD } from '../fixtures/imap-harness.ts';
import { ImapServices } from '../../src/imap/session/services.ts';
import { COMMANDS } from '../../src/imap/commands/registry.ts';
import { LoginThrottle } from '../../src/login/throttle.ts';

test('sessions of one account are limited across two servers on one store; LOGOUT frees a place', async (t) => {
  const h = await makeHarness({ settings: { maxSessionsPerUser: 2 } });
  t.after(() => h.close());
  const other = new ImapServices(COMMANDS, h.store, new LoginThrottle(h.store.shared, { maxFailures: 10, lockoutS: 60 }), pino({ level: 'silent' }), { hostname: 'other', allowPlaintextLoopback: true, maxSessionsPerUser: 2 }, null);
  const a = new TestClient(h.services);
  await a.login();
  const b = new TestClient(other);
  await b.login();
  const c = new TestClient(other);
  await c.waitFor(/^\* OK/);
  assert.match(await c.command(`LOGIN user@example.test ${PASSWORD}`, 'NO'), /NO \[LIMIT\]/, 'the third session, on either server, is refused');
  await a.command('LOGOUT');
  // The place is given back as the session ends, after its last reply (on PostgreSQL one more round
  // trip): retried within a bound of time, since a loaded machine makes each LOGIN slower.
  let loggedIn = false;
  for (const until = Date.now() + 15_000; !loggedIn && Date.now() < until;) {
    loggedIn = await c.command(`LOGIN user@example.test ${PASSWORD}`).then(() => true, () => false);
    if (!loggedIn) await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(loggedIn, 'a place freed by LOGOUT on one server is taken on the other');
  b.close();
  c.close();
});
