// The reports area on both engines: DMARC aggregate and TLS-RPT reports are stored once per
// (reporter, report id) with all their rows, and the summaries count what the rows say, only for
// reports that ended on or after `since`, for one domain when asked. On PostgreSQL, one report
// received by two nodes at once is stored by exactly one of them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { storeTest, openTestStore, openSecondNode } from './engines.ts';
import type { DmarcAggregate, DmarcRecord } from '../../src/store/reports.ts';
import type { TlsReport } from '../../src/store/reports.ts';

function record(sourceIp: string, count: number, spf: string, dkim: string, aligned: { spf: string; dkim: string }): DmarcRecord {
  return {
    sourceIp, count, disposition: 'none', dkimAligned: aligned.dkim, spfAligned: aligned.spf, headerFrom: 'example.test',
    dkim: [{ domain: 'example.test', selector: 's1', result: dkim }], spf: [{ domain: 'example.test', result: spf }],
  };
}

function dmarc(reportId: string, orgName: string, domain: string, endSeconds: number, records: DmarcRecord[]): DmarcAggregate {
  return { orgName, email: `noreply@${orgName}`, reportId, begin: endSeconds - 86_400, end: endSeconds, domain, policy: 'reject', records };
}

storeTest('a DMARC report is stored once and summarised per domain, reporter and source', async (store) => {
  const r1 = dmarc('r1', 'google.com', 'example.test', 1_700_000_000, [
    record('192.0.2.1', 10, 'pass', 'pass', { spf: 'pass', dkim: 'pass' }),
    record('192.0.2.2', 3, 'fail', 'pass', { spf: 'fail', dkim: 'pass' }),
    record('198.51.100.9', 5, 'fail', 'fail', { spf: 'fail', dkim: 'fail' }),
  ]);
  assert.equal(await store.reports.addDmarc(r1, 1), true);
  assert.equal(await store.reports.addDmarc(r1, 2), false, 'the same reporter and id again is a duplicate');
  assert.equal(await store.reports.addDmarc({ ...r1, orgName: 'yahoo.com' }, 3), true, 'another reporter may reuse the id');
  assert.equal(await store.reports.addDmarc(dmarc('r2', 'google.com', 'other.test', 1_700_000_000, [record('192.0.2.1', 7, 'pass', 'fail', { spf: 'pass', dkim: 'fail' })]), 4), true);
  assert.equal(await store.reports.addDmarc(dmarc('old', 'google.com', 'example.test', 1_600_000_000, [record('192.0.2.1', 99, 'pass', 'pass', { spf: 'pass', dkim: 'pass' })]), 5), true);

  const rows = await store.reports.dmarcSummary(1_650_000_000_000, 'example.test');
  assert.deepEqual(rows.map((r) => [r.reporter, r.sourceIp, r.messages]), [
    ['google.com', '192.0.2.1', 10], ['yahoo.com', '192.0.2.1', 10],
    ['google.com', '198.51.100.9', 5], ['yahoo.com', '198.51.100.9', 5],
    ['google.com', '192.0.2.2', 3], ['yahoo.com', '192.0.2.2', 3],
  ]);
  const first = rows[0]!;
  assert.deepEqual({ ...first }, {
    domain: 'example.test', reporter: 'google.com', sourceIp: '192.0.2.1', reports: 1, messages: 10,
    spfPass: 10, dkimPass: 10, spfAligned: 10, dkimAligned: 10, dmarcPass: 10,
  });
  const partial = rows.find((r) => r.sourceIp === '192.0.2.2')!;
  assert.deepEqual([partial.spfPass, partial.dkimPass, partial.spfAligned, partial.dkimAligned, partial.dmarcPass], [0, 3, 0, 3, 3]);

  const all = await store.reports.dmarcSummary(0);
  assert.deepEqual([...new Set(all.map((r) => r.domain))], ['example.test', 'other.test']);
  assert.equal(all.find((r) => r.domain === 'example.test' && r.reporter === 'google.com' && r.sourceIp === '192.0.2.1')!.messages, 109, 'since 0 includes the old report');
  assert.equal(all.find((r) => r.domain === 'example.test' && r.reporter === 'google.com' && r.sourceIp === '192.0.2.1')!.reports, 2);
  assert.deepEqual(await store.reports.dmarcSummary(0, 'nobody.test'), []);
});

function tls(reportId: string, orgName: string, end: number, policies: TlsReport['policies']): TlsReport {
  return { orgName, contact: `tls@${orgName}`, reportId, begin: end - 86_400_000, end, policies };
}

function failure(resultType: string, count: number) {
  return { resultType, sendingMtaIp: '192.0.2.1', receivingMx: 'mx.example.test', receivingIp: '198.51.100.1', count, reason: '' };
}

storeTest('a TLS report is stored once and summarised with failure types, most first', async (store) => {
  const end = 1_700_000_000_000;
  const a = tls('t1', 'google.com', end, [
    { policyType: 'sts', policyDomain: 'example.test', mxHosts: ['mx.example.test'], success: 100, failure: 4, failures: [failure('certificate-expired', 1), failure('starttls-not-supported', 3)] },
    { policyType: 'no-policy-found', policyDomain: 'other.test', mxHosts: [], success: 5, failure: 0, failures: [] },
  ]);
  assert.equal(await store.reports.addTls(a, 1), true);
  assert.equal(await store.reports.addTls(a, 2), false);
  assert.equal(await store.reports.addTls(tls('t2', 'google.com', end + 1, [
    { policyType: 'sts', policyDomain: 'example.test', mxHosts: ['mx.example.test'], success: 50, failure: 2, failures: [failure('certificate-expired', 2)] },
  ]), 3), true);
  assert.equal(await store.reports.addTls(tls('t3', 'microsoft.com', end - 10 * 86_400_000, [
    { policyType: 'sts', policyDomain: 'example.test', mxHosts: [], success: 1, failure: 0, failures: [] },
  ]), 4), true);

  const rows = await store.reports.tlsSummary(end - 86_400_000, 'example.test');
  assert.deepEqual(rows, [{
    domain: 'example.test', reporter: 'google.com', policyType: 'sts', reports: 2, success: 150, failure: 6,
    failureTypes: [{ resultType: 'certificate-expired', count: 3 }, { resultType: 'starttls-not-supported', count: 3 }],
  }]);
  const all = await store.reports.tlsSummary(0);
  assert.deepEqual(all.map((r) => [r.domain, r.reporter, r.policyType, r.reports]), [
    ['example.test', 'google.com', 'sts', 2], ['example.test', 'microsoft.com', 'sts', 1], ['other.test', 'google.com', 'no-policy-found', 1],
  ]);
});

test('[postgres] the same report stored by two nodes at once is stored once', async (t) => {
  const a = await openTestStore('postgres', t);
  const b = await openSecondNode(a, t);
  const r = dmarc('race', 'google.com', 'example.test', 1_700_000_000, [record('192.0.2.1', 2, 'pass', 'pass', { spf: 'pass', dkim: 'pass' })]);
  const stored = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).reports.addDmarc(r, i)));
  assert.equal(stored.filter(Boolean).length, 1);
  assert.equal((await b.reports.dmarcSummary(0))[0]!.messages, 2, 'its rows once');
});
