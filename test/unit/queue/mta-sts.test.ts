import { test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { MtaStsPolicies, parseStsTxt, mxPermitted, tlsRequired, httpsPolicyFetcher } from '../../../src/queue/mta-sts.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createResolver } from '../../../src/dns/resolver.ts';
import { openStore } from '../../../src/store/sqlite/store.ts';
import { startDnsServer } from '../../fixtures/dns-server.ts';
import { makeTestCert } from '../../fixtures/test-cert.ts';

const POLICY = 'version: STSv1\r\nmode: enforce\r\nmx: mx.remote.test\r\nmx: *.backup.remote.test\r\nmax_age: 86400\r\n';

test('TXT parsing: exactly one v=STSv1 record with an id', () => {
  assert.equal(parseStsTxt(['v=STSv1; id=20260101T000000']), '20260101T000000');
  assert.equal(parseStsTxt(['v=spf1 -all', 'v=STSv1; id=abc']), 'abc');
  assert.equal(parseStsTxt(['v=STSv1; id=a', 'v=STSv1; id=b']), null);
  assert.equal(parseStsTxt(['v=STSv1;']), null);
  assert.equal(parseStsTxt([]), null);
});

test('policy discovery over DNS and HTTPS, MX matching, caching across failures', async (t) => {
  const cert = makeTestCert(['mta-sts.remote.test']);
  let served = POLICY;
  let fetches = 0;
  const server = https.createServer({ key: cert.key, cert: cert.cert }, (req, res) => {
    fetches++;
    if (req.url !== '/.well-known/mta-sts.txt' || req.headers.host !== 'mta-sts.remote.test') { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'content-type': 'text/plain' }).end(served);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const dns = await startDnsServer({
    '_mta-sts.remote.test': { TXT: ['v=STSv1; id=one'] },
    'mta-sts.remote.test': { A: ['127.0.0.1'] },
  });
  t.after(() => dns.close());
  const resolver = createResolver({ servers: [dns.server], timeoutMs: 300, tries: 1 });
  let now = 1_000_000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-mta-sts-'));
  const store = openStore(dir, { clock: { now: () => now }, migrate: true });
  t.after(() => { void store.close(); fs.rmSync(dir, { recursive: true, force: true }); });
  const policies = new MtaStsPolicies({
    resolver, store,
    fetch: httpsPolicyFetcher({ resolver, port: (server.address() as AddressInfo).port, ca: cert.cert, allowPrivate: true }),
  });

  const p = await policies.policyFor('remote.test');
  assert.equal(p?.mode, 'enforce');
  assert.equal(tlsRequired(p), true);
  assert.equal(mxPermitted(p, 'mx.remote.test'), true);
  assert.equal(mxPermitted(p, 'a.backup.remote.test'), true);
  assert.equal(mxPermitted(p, 'evil.test'), false);
  assert.equal(mxPermitted(p, 'a.b.backup.remote.test'), false);

  // Same id: served from the cache, no fetch; also for another node's view of the same store.
  await policies.policyFor('remote.test');
  assert.equal(fetches, 1);
  const otherNode = new MtaStsPolicies({ resolver, store, fetch: async () => { throw new Error('must come from the cache'); } });
  assert.equal((await otherNode.policyFor('remote.test'))?.mode, 'enforce');

  // DNS failing and the TXT record removed: the unexpired policy still applies (§5.1).
  dns.servfail.add('_mta-sts.remote.test');
  assert.equal((await policies.policyFor('remote.test'))?.mode, 'enforce');
  dns.servfail.clear();
  dns.set('_mta-sts.remote.test', {});
  assert.equal((await policies.policyFor('remote.test'))?.mode, 'enforce');

  // New id: re-fetched; a broken policy file keeps the old policy.
  dns.set('_mta-sts.remote.test', { TXT: ['v=STSv1; id=two'] });
  served = 'garbage';
  assert.equal((await policies.policyFor('remote.test'))?.id, 'one');
  served = POLICY.replace('enforce', 'testing');
  const testing = await policies.policyFor('remote.test');
  assert.equal(testing?.mode, 'testing');
  assert.equal(mxPermitted(testing, 'evil.test'), true);
  assert.equal(tlsRequired(testing), false);

  // Expired and unreachable: no policy.
  now += 86_401_000;
  dns.set('_mta-sts.remote.test', { TXT: ['v=STSv1; id=three'] });
  dns.set('mta-sts.remote.test', {});
  assert.equal(await policies.policyFor('remote.test'), null);
  assert.equal(await policies.policyFor('nopolicy.test'), null);
});

test('the fetcher refuses a certificate that is not trusted', async (t) => {
  const cert = makeTestCert(['mta-sts.remote.test']);
  const server = https.createServer({ key: cert.key, cert: cert.cert }, (_req, res) => res.end(POLICY));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const dns = await startDnsServer({ 'mta-sts.remote.test': { A: ['127.0.0.1'] } });
  t.after(() => dns.close());
  const resolver = createResolver({ servers: [dns.server], timeoutMs: 300, tries: 1 });
  const fetch = httpsPolicyFetcher({ resolver, port: (server.address() as AddressInfo).port, allowPrivate: true });
  await assert.rejects(fetch('remote.test'));
});

test('the policy fetch dials no loopback or private address, in any IPv6 spelling (one outbound filter)', async (t) => {
  let requests = 0;
  const cert = makeTestCert(['mta-sts.remote.test']);
  const server = https.createServer({ key: cert.key, cert: cert.cert }, (_req, res) => { requests++; res.end(POLICY); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const dns = await startDnsServer({ 'mta-sts.remote.test': { A: ['127.0.0.1'], AAAA: ['64:ff9b::7f00:1'] } });
  t.after(() => dns.close());
  const resolver = createResolver({ servers: [dns.server], timeoutMs: 3000, tries: 2 });
  const fetch = httpsPolicyFetcher({ resolver, port: (server.address() as AddressInfo).port, ca: cert.cert });
  await assert.rejects(fetch('remote.test'), /loopback, private or reserved/);
  assert.equal(requests, 0);
});
