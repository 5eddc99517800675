// The doctor's sending addresses and their reverse DNS, against the DNS fixture: [doctor] addresses
// first, else the public interface addresses, else (behind NAT) the hostname's public A/AAAA with a
// note; a PTR that does not resolve back fails, one that names another host warns, a missing IPv6
// PTR fails with Gmail's 550 5.7.25 in the fix, a temporary failure is "could not check".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createResolver } from '../../../src/dns/resolver.ts';
import { sendingAddresses } from '../../../src/doctor/sending-addresses.ts';
import { reverseDnsRow } from '../../../src/doctor/reverse-dns.ts';
import { startDnsServer } from '../../fixtures/dns-server.ts';

const HOST = 'mail.example.test';

test('sending addresses: configured, else public interfaces, else the hostname behind NAT', async (t) => {
  const dns = await startDnsServer({ [HOST]: { A: ['192.0.2.10', '10.0.0.5'], AAAA: ['2001:db8::10'] } });
  t.after(() => dns.close());
  const resolver = createResolver({ servers: [dns.server], timeoutMs: 300, tries: 1 });
  assert.deepEqual(await sendingAddresses(['192.0.2.99', '192.0.2.99'], HOST, resolver, () => ['192.0.2.1']), { addresses: ['192.0.2.99'], source: 'config' });
  assert.deepEqual(await sendingAddresses([], HOST, resolver, () => ['127.0.0.1', '10.1.2.3', 'fe80::1', '192.0.2.1', '2001:db8::1']),
    { addresses: ['192.0.2.1', '2001:db8::1'], source: 'interfaces' });
  const nat = await sendingAddresses([], HOST, resolver, () => ['10.1.2.3', 'fd00::1']);
  assert.deepEqual([nat.addresses, nat.source], [['192.0.2.10', '2001:db8::10'], 'hostname']);
  assert.match(nat.note!, /NAT/);
  assert.deepEqual(await sendingAddresses([], 'nothing.example.test', resolver, () => ['10.1.2.3']), { addresses: [], source: 'none' });
});

test('reverse DNS: confirmed and named as the hostname, another name, not confirmed, missing, unknown', async (t) => {
  const dns = await startDnsServer({
    [HOST]: { A: ['192.0.2.10'] },
    '10.2.0.192.in-addr.arpa': { PTR: [HOST] },
    'other.example.test': { A: ['192.0.2.11'] },
    '11.2.0.192.in-addr.arpa': { PTR: ['other.example.test'] },
    '12.2.0.192.in-addr.arpa': { PTR: ['liar.example.test'] },
    'liar.example.test': { A: ['198.51.100.1'] },
  });
  t.after(() => dns.close());
  const resolver = createResolver({ servers: [dns.server], timeoutMs: 300, tries: 1 });
  const row = (address: string) => reverseDnsRow(resolver, address, HOST);
  assert.deepEqual(await row('192.0.2.10'), { check: 'reverse DNS 192.0.2.10', status: 'ok', found: `PTR ${HOST} → 192.0.2.10` });
  const other = await row('192.0.2.11');
  assert.equal(other.status, 'warn');
  assert.match(other.fix!, /set the PTR to mail\.example\.test, or set hostname to other\.example\.test/);
  const liar = await row('192.0.2.12');
  assert.equal(liar.status, 'fail');
  assert.match(liar.found, /does not resolve back to 192\.0\.2\.12/);
  const v6 = await row('2001:db8::10');
  assert.deepEqual([v6.status, v6.found], ['fail', 'no PTR record']);
  assert.match(v6.fix!, /550 5\.7\.25/);
  // A resolver that answers nothing (a closed port): could not check, never a verdict about the record.
  const silent = createResolver({ servers: ['127.0.0.1:9'], timeoutMs: 200, tries: 1 });
  const unknown = await reverseDnsRow(silent, '192.0.2.10', HOST);
  assert.equal(unknown.status, 'warn');
  assert.match(unknown.fix!, /failed temporarily/);
});
