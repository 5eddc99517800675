// The dmarc-results area on both engines: counts per (day, policy domain, evaluation) only grow
// within a day, due() names the finished days not yet reported, and markSent both remembers the
// report and drops the day's rows.
import assert from 'node:assert/strict';
import { storeTest } from './engines.ts';
import type { DmarcResultRow } from '../../src/store/dmarc-results.ts';

function row(day: number, domain: string, sourceIp: string, dkimAligned: 'pass' | 'fail', count: number): DmarcResultRow {
  return {
    day, domain, sourceIp, headerFrom: domain, disposition: dkimAligned === 'pass' ? 'none' : 'quarantine', dkimAligned, spfAligned: 'fail',
    dkim: JSON.stringify([{ domain, selector: 's1', result: dkimAligned }]), spfDomain: `bounce.${domain}`, spfResult: 'pass', count,
  };
}

storeTest('DMARC results add up per key, are due after their day and go once sent', async (store) => {
  await store.dmarcResults.add([]);
  await store.dmarcResults.add([row(100, 'sender.test', '192.0.2.1', 'pass', 2), row(100, 'sender.test', '192.0.2.1', 'pass', 3), row(100, 'sender.test', '198.51.100.7', 'fail', 1)]);
  await store.dmarcResults.add([row(100, 'sender.test', '192.0.2.1', 'pass', 5), row(100, 'other.test', '192.0.2.1', 'pass', 1), row(101, 'sender.test', '192.0.2.1', 'pass', 1)]);
  assert.deepEqual(await store.dmarcResults.results(100, 'sender.test'), [row(100, 'sender.test', '192.0.2.1', 'pass', 10), row(100, 'sender.test', '198.51.100.7', 'fail', 1)]);
  assert.deepEqual(await store.dmarcResults.due(101), [{ day: 100, domain: 'other.test' }, { day: 100, domain: 'sender.test' }]);
  assert.deepEqual(await store.dmarcResults.due(102), [{ day: 100, domain: 'other.test' }, { day: 100, domain: 'sender.test' }, { day: 101, domain: 'sender.test' }]);

  await store.dmarcResults.markSent(100, 'sender.test', 1);
  await store.dmarcResults.markSent(100, 'sender.test', 2);
  assert.deepEqual(await store.dmarcResults.results(100, 'sender.test'), []);
  assert.deepEqual(await store.dmarcResults.due(102), [{ day: 100, domain: 'other.test' }, { day: 101, domain: 'sender.test' }]);
  // A late result for a day already reported is kept but never due again.
  await store.dmarcResults.add([row(100, 'sender.test', '192.0.2.9', 'pass', 1)]);
  assert.deepEqual(await store.dmarcResults.due(101), [{ day: 100, domain: 'other.test' }]);
});
