import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createResolver, DnsTemporaryError } from '../../../src/dns/resolver.ts';
import { startDnsServer } from '../../fixtures/dns-server.ts';

test('the resolver reads every record type from the configured server', async (t) => {
  const longKey = 'v=DKIM1; k=rsa; p=' + 'A'.repeat(400);
  const dns = await startDnsServer({
    'example.test': { MX: [{ priority: 10, exchange: 'mx1.example.test' }, { priority: 20, exchange: 'mx2.example.test' }], TXT: ['v=spf1 ip4:127.0.0.1 -all'], A: ['127.0.0.1'], AAAA: ['::1'] },
    'rsa._domainkey.example.test': { TXT: [longKey] },
    '1.0.0.127.in-addr.arpa': { PTR: ['mx.example.test'] },
    'autoconfig.example.test': { CNAME: ['mail.example.test'] },
    '_imaps._tcp.example.test': { SRV: [{ priority: 0, weight: 1, port: 993, target: 'mail.example.test' }] },
  });
  t.after(() => dns.close());
  const r = createResolver({ servers: [dns.server], timeoutMs: 500, tries: 1 });
  assert.deepEqual((await r.mx('example.test')).sort((a, b) => a.priority - b.priority), [
    { exchange: 'mx1.example.test', priority: 10 }, { exchange: 'mx2.example.test', priority: 20 }]);
  assert.deepEqual(await r.txt('example.test'), ['v=spf1 ip4:127.0.0.1 -all']);
  assert.deepEqual(await r.txt('rsa._domainkey.example.test'), [longKey]);
  assert.deepEqual(await r.a('example.test'), ['127.0.0.1']);
  assert.deepEqual(await r.aaaa('example.test'), ['::1']);
  assert.deepEqual(await r.ptr('127.0.0.1'), ['mx.example.test']);
  assert.deepEqual(await r.cname('autoconfig.example.test'), ['mail.example.test']);
  assert.equal((await r.srv('_imaps._tcp.example.test'))[0]?.port, 993);
  assert.deepEqual(await r.mx('nowhere.test'), []);
  assert.deepEqual(await r.a('rsa._domainkey.example.test'), []);
});

test('timeouts and SERVFAIL are temporary errors, never "no records"', async (t) => {
  const dns = await startDnsServer({ 'slow.test': { A: ['127.0.0.1'] }, 'broken.test': { A: ['127.0.0.1'] } });
  t.after(() => dns.close());
  dns.timeout.add('slow.test');
  dns.servfail.add('broken.test');
  const r = createResolver({ servers: [dns.server], timeoutMs: 200, tries: 1 });
  await assert.rejects(r.mx('slow.test'), DnsTemporaryError);
  await assert.rejects(r.txt('broken.test'), DnsTemporaryError);
});

test('answers are cached for cacheMs, temporary failures are not', async (t) => {
  const dns = await startDnsServer({ 'cached.test': { TXT: ['one'] } });
  t.after(() => dns.close());
  let now = 0;
  const r = createResolver({ servers: [dns.server], timeoutMs: 200, tries: 1, cacheMs: 60_000, now: () => now });
  assert.deepEqual(await r.txt('cached.test'), ['one']);
  dns.set('cached.test', { TXT: ['two'] });
  assert.deepEqual(await r.txt('CACHED.test'), ['one'], 'served from the cache');
  now += 60_001;
  assert.deepEqual(await r.txt('cached.test'), ['two'], 'refetched after expiry');
  dns.servfail.add('flaky.test');
  await assert.rejects(r.txt('flaky.test'), DnsTemporaryError);
  dns.servfail.delete('flaky.test');
  dns.set('flaky.test', { TXT: ['ok'] });
  assert.deepEqual(await r.txt('flaky.test'), ['ok'], 'a failure was not cached');
});
