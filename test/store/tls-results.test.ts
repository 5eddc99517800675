// The tls-results area on both engines: counts per (day, domain, policy, MX, address, result)
// only grow within a day, due() names the finished days not yet reported, and markSent both
// remembers the report and drops the day's rows.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { storeTest, openSecondNode, openTestStore } from './engines.ts';
import type { TlsResultRow } from '../../src/store/tls-results.ts';

function row(day: number, domain: string, resultType: string, count: number, mxHost = 'mx.example.test'): TlsResultRow {
  return { day, domain, policyType: 'sts', policy: '{"mode":"enforce"}', mxHost, receivingIp: '192.0.2.1', resultType, count };
}

storeTest('TLS results add up per key, are due after their day and go once sent', async (store) => {
  await store.tlsResults.add([]);
  await store.tlsResults.add([row(100, 'example.test', 'success', 2), row(100, 'example.test', 'success', 3), row(100, 'example.test', 'certificate-expired', 1)]);
  await store.tlsResults.add([row(100, 'example.test', 'success', 5), row(100, 'other.test', 'success', 1), row(101, 'example.test', 'success', 1)]);
  assert.deepEqual(await store.tlsResults.results(100, 'example.test'), [row(100, 'example.test', 'certificate-expired', 1), row(100, 'example.test', 'success', 10)]);
  assert.deepEqual(await store.tlsResults.due(101), [{ day: 100, domain: 'example.test' }, { day: 100, domain: 'other.test' }]);
  assert.deepEqual(await store.tlsResults.due(102), [{ day: 100, domain: 'example.test' }, { day: 100, domain: 'other.test' }, { day: 101, domain: 'example.test' }]);

  await store.tlsResults.markSent(100, 'example.test', 1);
  await store.tlsResults.markSent(100, 'example.test', 2);
  assert.deepEqual(await store.tlsResults.results(100, 'example.test'), []);
  assert.deepEqual(await store.tlsResults.due(102), [{ day: 100, domain: 'other.test' }, { day: 101, domain: 'example.test' }]);
  // A result counted late for a day already reported is kept but never due again.
  await store.tlsResults.add([row(100, 'example.test', 'success', 1)]);
  assert.deepEqual(await store.tlsResults.due(101), [{ day: 100, domain: 'other.test' }]);
});

test('[postgres] two nodes counting the same TLS result add up', async (t) => {
  const a = await openTestStore('postgres', t);
  const b = await openSecondNode(a, t);
  await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).tlsResults.add([row(7, 'example.test', 'success', 1), row(7, 'example.test', 'success', 1)])));
  assert.deepEqual(await b.tlsResults.results(7, 'example.test'), [row(7, 'example.test', 'success', 20)]);
});
