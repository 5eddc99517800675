import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveRoute } from '../../../src/queue/mx.ts';
import { isPublicAddress } from '../../../src/net/public-address.ts';
import { DnsTemporaryError, type Resolver } from '../../../src/dns/resolver.ts';

// A resolver double: records by name, names in `failing` throw a temporary error.
function fakeResolver(records: Record<string, { mx?: { exchange: string; priority: number }[]; a?: string[]; aaaa?: string[] }>, failing = new Set<string>()): Resolver {
  const get = <K extends 'mx' | 'a' | 'aaaa'>(k: K) => async (name: string) => {
    if (failing.has(name)) throw new DnsTemporaryError(name, k, 'ETIMEOUT');
    return (records[name]?.[k] ?? []) as never;
  };
  const none = async () => [] as never;
  return { mx: get('mx'), a: get('a'), aaaa: get('aaaa'), txt: none, ptr: none, cname: none, srv: none };
}

const base = { allowPrivate: false, ownAddresses: new Set<string>() };

test('MX hosts come in preference order; equal preferences are shuffled', async () => {
  const r = fakeResolver({
    'd.test': { mx: [{ exchange: 'c.d.test', priority: 20 }, { exchange: 'a.d.test', priority: 10 }, { exchange: 'b.d.test', priority: 10 }] },
    'a.d.test': { a: ['192.0.2.1'] }, 'b.d.test': { a: ['192.0.2.2'], aaaa: ['2001:db8::2'] }, 'c.d.test': { a: ['192.0.2.3'] },
  });
  const seen = new Set<string>();
  for (const draws of [[0.1, 0.9, 0.5], [0.9, 0.1, 0.5]]) {
    let i = 0;
    const route = await resolveRoute('d.test', { ...base, resolver: r, random: () => draws[i++ % 3]! });
    assert.equal(route.kind, 'hosts');
    if (route.kind !== 'hosts') return;
    assert.equal(route.hosts[2]!.name, 'c.d.test');
    seen.add(route.hosts[0]!.name);
    assert.deepEqual(route.hosts.find((h) => h.name === 'b.d.test')!.addresses, ['192.0.2.2', '2001:db8::2']);
  }
  assert.deepEqual([...seen].sort(), ['a.d.test', 'b.d.test']);
});

test('no MX: the domain itself (implicit MX); neither: permanent', async () => {
  const r = fakeResolver({ 'd.test': { a: ['192.0.2.9'] } });
  assert.deepEqual(await resolveRoute('d.test', { ...base, resolver: r }), { kind: 'hosts', hosts: [{ name: 'd.test', preference: 0, addresses: ['192.0.2.9'] }] });
  const none = await resolveRoute('nothing.test', { ...base, resolver: r });
  assert.equal(none.kind, 'permanent');
});

test('null MX is an immediate permanent failure (RFC 7505)', async () => {
  const route = await resolveRoute('d.test', { ...base, resolver: fakeResolver({ 'd.test': { mx: [{ exchange: '', priority: 0 }], a: ['192.0.2.1'] } }) });
  assert.equal(route.kind, 'permanent');
  if (route.kind === 'permanent') assert.equal(route.status, '5.1.10');
});

test('loopback, private, link-local and own addresses are refused unless allowed', async () => {
  const r = fakeResolver({ 'd.test': { mx: [{ exchange: 'mx.d.test', priority: 1 }, { exchange: 'own.d.test', priority: 2 }] },
    'mx.d.test': { a: ['127.0.0.1', '10.1.2.3', '169.254.1.1'], aaaa: ['fe80::1', '::1', '::ffff:192.168.1.1'] }, 'own.d.test': { a: ['198.51.100.7'] } });
  const refused = await resolveRoute('d.test', { ...base, ownAddresses: new Set(['198.51.100.7']), resolver: r });
  assert.equal(refused.kind, 'permanent');
  const allowed = await resolveRoute('d.test', { ...base, allowPrivate: true, resolver: r });
  assert.equal(allowed.kind === 'hosts' && allowed.hosts[0]!.addresses.length, 6);
  assert.equal(isPublicAddress('8.8.8.8'), true);
  assert.equal(isPublicAddress('2001:4860::8888'), true);
  assert.equal(isPublicAddress('fd00::1'), false);
});

test('a temporary DNS failure propagates, unless another MX is usable', async () => {
  const r = fakeResolver({ 'd.test': { mx: [{ exchange: 'a.d.test', priority: 1 }, { exchange: 'b.d.test', priority: 2 }] }, 'b.d.test': { a: ['192.0.2.2'] } }, new Set(['a.d.test']));
  const route = await resolveRoute('d.test', { ...base, resolver: r });
  assert.equal(route.kind === 'hosts' && route.hosts[0]!.name, 'b.d.test');
  await assert.rejects(resolveRoute('x.test', { ...base, resolver: fakeResolver({}, new Set(['x.test'])) }), DnsTemporaryError);
  await assert.rejects(resolveRoute('d.test', { ...base, resolver: fakeResolver({ 'd.test': { mx: [{ exchange: 'a.d.test', priority: 1 }] } }, new Set(['a.d.test'])) }), DnsTemporaryError);
});
