import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { matchRoute, resolveRelay, RouteUnavailable } from '../../../src/queue/routes.ts';
import { validateConfig, ConfigError } from '../../../src/config/load.ts';
import type { RouteConfig } from '../../../src/config/types.ts';
import type { Resolver } from '../../../src/dns/resolver.ts';

const routesOf = (route: Record<string, unknown>[]) => validateConfig({ queue: { route } }, null).queue.route;

test('routes match in order by recipient domain, then sender domain and account', () => {
  const routes = routesOf([
    { domains: ['.corp.test'], relay: 'smtp://10.0.0.1:25', tls: 'starttls' },
    { domains: ['*'], sender_domains: ['b.test'], relay: 'smtp://relay-b.test:587' },
    { domains: ['gmail.test'], accounts: ['alice@a.test'], relay: 'smtp://relay-alice.test:587' },
    { relay: 'smtp://smarthost.test:465', tls: 'implicit' },
  ]);
  const pick = (domain: string, sender: string, account: string | null) => matchRoute(routes, { domain, sender, account })?.relay ?? null;
  assert.equal(pick('x.corp.test', 'a@a.test', null), 'smtp://10.0.0.1:25');
  assert.equal(pick('corp.test', 'a@a.test', null), 'smtp://smarthost.test:465', '".corp.test" is subdomains only');
  assert.equal(pick('gmail.test', 'bob@b.test', null), 'smtp://relay-b.test:587');
  assert.equal(pick('gmail.test', 'alice@a.test', 'alice@a.test'), 'smtp://relay-alice.test:587');
  assert.equal(pick('gmail.test', 'x@a.test', 'carol@a.test'), 'smtp://smarthost.test:465');
  assert.equal(pick('gmail.test', '', null), 'smtp://smarthost.test:465', 'the null sender matches no sender_domains');
  assert.equal(matchRoute([], { domain: 'x.test', sender: 'a@a.test', account: null }), null, 'no route: MX delivery');
});

test('config refuses routes that would leak a password or cannot work', () => {
  const bad = (route: Record<string, unknown>, re: RegExp) => assert.throws(() => routesOf([route]), (e: Error) => e instanceof ConfigError && re.test(e.message));
  bad({ relay: 'relay.test:587' }, /queue\.route\[0\]\.relay: expected "smtp:\/\/host:port"/);
  bad({ relay: 'smtp://relay.test' }, /relay: expected/);
  bad({ relay: 'smtp://user:pw@relay.test:587' }, /relay: expected/);
  bad({ relay: 'smtp://relay.test:25', tls: 'none' }, /"none" is only allowed for a loopback relay/);
  bad({ relay: 'smtp://127.0.0.1:25', tls: 'none', auth_user: 'u', auth_password_file: '/x' }, /AUTH needs TLS/);
  bad({ relay: 'smtp://relay.test:587', auth_user: 'u' }, /auth_password_file: required/);
  bad({ relay: 'smtp://relay.test:587', auth_password: 'secret' }, /unknown key "auth_password"/);
  bad({ relay: 'smtp://relay.test:587', domains: [] }, /domains: name at least one/);
  assert.equal(routesOf([{ relay: 'smtp://[::1]:2525', tls: 'none' }])[0]!.tls, 'none');
});

test('the relay: addresses through the resolver, password from its file, problems temporary', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-route-'));
  try {
    const resolver = { a: async (n: string) => (n === 'relay.test' ? ['192.0.2.7'] : []), aaaa: async () => [] } as unknown as Resolver;
    fs.writeFileSync(path.join(dir, 'pw'), 's3cret\nignored\n');
    const route: RouteConfig = routesOf([{ relay: 'smtp://relay.test:587', auth_user: 'u', auth_password_file: path.join(dir, 'pw') }])[0]!;
    const t = await resolveRelay(route, resolver);
    assert.deepEqual([t.host, t.port, t.addresses, t.tls, t.auth], ['relay.test', 587, ['192.0.2.7'], 'starttls', { user: 'u', pass: 's3cret' }]);
    await assert.rejects(resolveRelay({ ...route, auth_password_file: path.join(dir, 'missing') }, resolver), (e: Error) => e instanceof RouteUnavailable && /cannot read auth_password_file/.test(e.message));
    await assert.rejects(resolveRelay({ ...route, relay: 'smtp://nowhere.test:587' }, resolver), (e: Error) => e instanceof RouteUnavailable && /no A or AAAA/.test(e.message));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
