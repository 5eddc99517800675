import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHttpServer } from '../../../src/http/server.ts';
import type { HttpDeps } from '../../../src/http/router.ts';
import { createMetrics } from '../../../src/metrics/registry.ts';
import { createAcmeChallenges } from '../../../src/tls/acme-challenges.ts';
import { readThunderbirdConfig } from '../../fixtures/thunderbird-autoconfig.ts';
import { HTTP_MAX_BODY_BYTES } from '../../../src/limits.ts';
import { httpRequest } from '../../fixtures/http-request.ts';

async function start(t: import('node:test').TestContext, overrides: Partial<HttpDeps> = {}) {
  const metrics = createMetrics();
  const challenges = createAcmeChallenges();
  const deps: HttpDeps = {
    hostname: 'mail.example.com',
    services: { imaps: 993, pop3s: 995, submissions: 465, submission: 587 },
    mtaSts: { mode: 'enforce', maxAgeS: 86400 },
    isLocalDomain: async (d) => d === 'example.com' || d === 'example.org',
    metrics,
    health: async () => [{ name: 'database', ok: true }],
    challenges,
    ...overrides,
  };
  const running = await startHttpServer(deps, { host: '127.0.0.1', port: 0 });
  t.after(() => running.close());
  const get = (path: string, host = 'mail.example.com', init: { method?: string; body?: string } = {}) =>
    httpRequest(running.port, path, host, init);
  return { get, metrics, challenges, running };
}

test('autoconfig is served on both paths, with and without emailaddress', async (t) => {
  const { get } = await start(t);
  const withAddress = await get('/mail/config-v1.1.xml?emailaddress=carol%40example.org', 'autoconfig.example.org');
  assert.equal(withAddress.status, 200);
  assert.match(String(withAddress.headers['content-type']), /xml/);
  const config = readThunderbirdConfig(await withAddress.text());
  assert.deepEqual(config.domains, ['example.org']);
  assert.equal(config.incoming[0]!.username, 'carol@example.org');

  const bare = await get('/.well-known/autoconfig/mail/config-v1.1.xml', 'autoconfig.example.org');
  const bareConfig = readThunderbirdConfig(await bare.text());
  assert.deepEqual(bareConfig.domains, ['example.org']);
  assert.equal(bareConfig.incoming[0]!.username, '%EMAILADDRESS%');

  const foreign = await get('/mail/config-v1.1.xml?emailaddress=x%40elsewhere.net', 'autoconfig.example.org');
  assert.equal(foreign.status, 404);
});

test('without both an incoming and an outgoing service there is no client configuration to give', async (t) => {
  const { get } = await start(t, { services: { imaps: 993 } });
  assert.equal((await get('/mail/config-v1.1.xml', 'autoconfig.example.com')).status, 404);
  assert.equal((await get('/autodiscover/autodiscover.xml', 'autodiscover.example.com', { method: 'POST', body: '' })).status, 404);
});

test('autodiscover answers a POST from Outlook', async (t) => {
  const { get } = await start(t);
  const res = await get('/Autodiscover/Autodiscover.xml', 'autodiscover.example.com', {
    method: 'POST',
    body: '<Autodiscover><Request><EMailAddress>dave@example.com</EMailAddress></Request></Autodiscover>',
  });
  assert.equal(res.status, 200);
  const body = await res.text();
  assert.match(body, /<LoginName>dave@example\.com<\/LoginName>/);
  assert.match(body, /<Type>IMAP<\/Type>\s*<Server>mail\.example\.com<\/Server>\s*<Port>993<\/Port>/);
});

test('the MTA-STS policy is served only on mta-sts.<our domain>', async (t) => {
  const { get } = await start(t);
  const res = await get('/.well-known/mta-sts.txt', 'mta-sts.example.com');
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmax_age: 86400\r\n');
  assert.equal((await get('/.well-known/mta-sts.txt', 'mta-sts.other.net')).status, 404);
  assert.equal((await get('/.well-known/mta-sts.txt', 'mail.example.com')).status, 404);
});

test('ACME HTTP-01 tokens are served while pending', async (t) => {
  const { get, challenges } = await start(t);
  assert.equal((await get('/.well-known/acme-challenge/tok123')).status, 404);
  challenges.set('tok123', 'tok123.thumb');
  const res = await get('/.well-known/acme-challenge/tok123');
  assert.equal(await res.text(), 'tok123.thumb');
  challenges.delete('tok123');
  assert.equal((await get('/.well-known/acme-challenge/tok123')).status, 404);
});

test('healthz reports each check and answers 503 when one fails; metrics count requests', async (t) => {
  let dbOk = true;
  const { get } = await start(t, { health: async () => [{ name: 'database writable', ok: dbOk, ...(dbOk ? {} : { detail: 'SQLITE_READONLY' }) }] });
  const ok = await get('/healthz');
  assert.equal(ok.status, 200);
  assert.equal(await ok.text(), 'ok database writable\n');
  dbOk = false;
  const bad = await get('/healthz');
  assert.equal(bad.status, 503);
  assert.match(await bad.text(), /FAIL database writable: SQLITE_READONLY/);
  assert.equal((await get('/nope')).status, 404);
  const metrics = await (await get('/metrics')).text();
  assert.match(metrics, /^postern_http_requests_total\{code="200",scheme="http"\} 1$/m);
  assert.match(metrics, /^postern_http_requests_total\{code="503",scheme="http"\} 1$/m);
  assert.match(metrics, /^postern_http_requests_total\{code="404",scheme="http"\} 1$/m);
});

test('a body over the limit is refused with 413', async (t) => {
  const { get } = await start(t);
  const res = await get('/autodiscover/autodiscover.xml', 'mail.example.com', { method: 'POST', body: 'x'.repeat(HTTP_MAX_BODY_BYTES + 10) }).catch((e: Error) => e);
  // The server may reset the socket after answering; either way the request did not succeed.
  if (res instanceof Error) assert.match(res.message, /ECONNRESET|EPIPE|socket hang up/);
  else assert.equal(res.status, 413);
});

test('a route that throws answers 500 and the server keeps serving', async (t) => {
  const { get } = await start(t, { health: async () => { throw new Error('boom'); } });
  assert.equal((await get('/healthz')).status, 500);
  assert.equal((await get('/.well-known/mta-sts.txt', 'mta-sts.example.com')).status, 200);
});

/** Sends raw bytes and returns what came back before the server closed the connection. */
async function rawHttp(port: number, request: string): Promise<string> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(request));
    let out = '';
    socket.on('data', (d: Buffer) => { out += d.toString('latin1'); });
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
  });
}

test('request targets and headers no parser accepts are a 400, and the server keeps serving', async (t) => {
  const { get, running, metrics } = await start(t);
  for (const target of ['//x:99999', '//[::1', 'http://[zz]/', 'x', '/a b', '/%', '\\\\x']) {
    const reply = await rawHttp(running.port, `GET ${target} HTTP/1.1\r\nhost: mail.example.com\r\n\r\n`);
    assert.match(reply, /^HTTP\/1\.1 (400|404) /, `${target}: ${reply}`);
  }
  assert.match(await rawHttp(running.port, 'GET //x:99999 HTTP/1.1\r\nhost: mail.example.com\r\n\r\n'), /^HTTP\/1\.1 404 /);
  assert.match(await rawHttp(running.port, 'GET / HTTP/1.1\r\nhost: a:99999\r\n\r\n'), /^HTTP\/1\.1 400 /);
  assert.match(await rawHttp(running.port, 'GET / HTTP/1.1\r\nhost: mail.example.com\r\nbad header\r\n\r\n'), /^HTTP\/1\.1 400 /);
  assert.match(await rawHttp(running.port, `GET / HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20000)}\r\n\r\n`), /^HTTP\/1\.1 431 /);
  assert.match(await rawHttp(running.port, 'GARBAGE\r\n\r\n'), /^HTTP\/1\.1 400 /);
  assert.equal((await get('/healthz')).status, 200);
  assert.match(await metrics.expose(), /postern_http_requests_total\{code="400",scheme="http"\} [1-9]/);
});

test('a route that throws synchronously is a 500 for that request only, logged and counted', async (t) => {
  const errors: unknown[] = [];
  const metrics = createMetrics();
  const deps: HttpDeps = {
    hostname: 'mail.example.com', services: {}, mtaSts: { mode: 'enforce', maxAgeS: 86400 },
    isLocalDomain: () => { throw new Error('boom'); }, metrics,
    health: async () => [], challenges: createAcmeChallenges(),
  };
  const running = await startHttpServer(deps, { host: '127.0.0.1', port: 0 }, { onError: (e) => errors.push(e) });
  t.after(() => running.close());
  assert.equal((await httpRequest(running.port, '/.well-known/mta-sts.txt', 'mta-sts.example.com')).status, 500);
  assert.equal((await httpRequest(running.port, '/healthz', 'mail.example.com')).status, 200);
  assert.equal(errors.length, 1);
  assert.match(await metrics.expose(), /postern_connection_errors_total\{protocol="http"\} 1/);
});

test('the public route set answers /healthz and /metrics only with the ops bearer token', async () => {
  const { routeHttp } = await import('../../../src/http/router.ts');
  const deps = {
    hostname: 'h', services: {}, mtaSts: { mode: 'none' as const, maxAgeS: 86400 }, isLocalDomain: async () => false,
    metrics: createMetrics(), health: async () => [], challenges: createAcmeChallenges(),
  };
  const req = (path: string, authorization = '') => ({ method: 'GET', path, query: new URLSearchParams(), host: 'h', body: '', authorization });
  assert.equal((await routeHttp(deps, req('/metrics'), 'public')).status, 404);
  assert.equal((await routeHttp(deps, req('/healthz'), 'ops')).status, 200);
  assert.equal((await routeHttp(deps, req('/mail/config-v1.1.xml'), 'ops')).status, 404);
  const withToken = { ...deps, opsToken: 's3cret' };
  assert.equal((await routeHttp(withToken, req('/metrics'), 'public')).status, 404);
  assert.equal((await routeHttp(withToken, req('/metrics', 'Bearer wrong!'), 'ops')).status, 401);
  assert.equal((await routeHttp(withToken, req('/metrics', 'Bearer s3cret'), 'public')).status, 200);
  assert.equal((await routeHttp(withToken, req('/healthz', 'bearer s3cret'), 'ops')).status, 200);
});
