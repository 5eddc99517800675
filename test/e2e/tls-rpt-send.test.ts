// Sending TLS-RPT: the worker counts the TLS outcome of each MX connection; once the day is over,
// a domain publishing `_smtp._tls` rua=mailto: gets one RFC 8460 report through the queue, gzipped
// JSON in a multipart/report, DKIM-signed (python3-dkim verifies it), read back by our own TLS-RPT
// parser; the same day is never reported twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDnsServer } from '../fixtures/dns-server.ts';
import { startPosternInstance } from '../fixtures/postern-instance.ts';
import { startScriptedPeer } from '../fixtures/scripted-smtp-peer.ts';
import { submit, waitFor } from '../fixtures/smtp-client.ts';
import { verifyWithDkimpy } from '../fixtures/dkim-verify.ts';
import { findReports } from '../../src/reports/recognise.ts';
import { sendDueTlsReports, tlsReportJson, tlsRptMailto } from '../../src/reports/tls-rpt-send.ts';
import { parseTlsReport } from '../../src/reports/tls-rpt.ts';
import { TlsResultLog, tlsResultType, utcDay } from '../../src/queue/tls-results.ts';

test('rua parsing, result types, and the report of an MTA-STS domain with failures', () => {
  assert.deepEqual(tlsRptMailto(['v=spf1 -all', 'v=TLSRPTv1; rua=mailto:tls@a.test,https://r.test/x,mailto:b%2Bc@d.test']), ['tls@a.test', 'b+c@d.test']);
  assert.deepEqual(tlsRptMailto(['v=TLSRPTv1; rua=https://r.test/x']), []);
  assert.equal(tlsResultType('certificate has expired'), 'certificate-expired');
  assert.equal(tlsResultType("Hostname/IP does not match certificate's altnames"), 'certificate-host-mismatch');
  assert.equal(tlsResultType('self-signed certificate'), 'certificate-not-trusted');
  assert.equal(tlsResultType('TLS required by MTA-STS but not established'), 'starttls-not-supported');
  const log = new TlsResultLog();
  const enforce = { id: '1', mode: 'enforce' as const, mx: ['mx.a.test'], maxAgeS: 86400, fetchedAt: 0 };
  log.note(0, 'a.test', enforce, 'mx.a.test', '192.0.2.1', { tls: false, error: 'self-signed certificate' });
  log.note(0, 'a.test', enforce, 'mx.a.test', '192.0.2.1', { tls: false, error: 'self-signed certificate' });
  log.note(0, 'b.test', null, 'mx.b.test', '192.0.2.2', { tls: false, error: 'no STARTTLS' });
  const rows = (log as unknown as { pending: Map<string, { domain: string; resultType: string; count: number }> }).pending;
  assert.deepEqual([...rows.values()].map((r) => [r.domain, r.resultType, r.count]), [['a.test', 'certificate-not-trusted', 2]], 'plaintext without a policy is no TLS session to report');

  // An MTA-STS policy found, sessions that worked and handshakes that failed: the RFC 8460 §4 JSON, read back by our parser.
  const sts = (resultType: string, count: number) => ({ day: 0, domain: 'a.test', policyType: 'sts' as const, policy: JSON.stringify({ mode: 'enforce', mx: ['mx.a.test'], max_age: 86400 }), mxHost: 'mx.a.test', receivingIp: '192.0.2.1', resultType, count });
  const json = JSON.parse(tlsReportJson('mail.example.test', 'postmaster@example.test', 'r-1', 0, [sts('', 5), sts('certificate-not-trusted', 2)]));
  assert.deepEqual(json.policies[0].policy, { 'policy-type': 'sts', 'policy-string': ['version: STSv1', 'mode: enforce', 'mx: mx.a.test', 'max_age: 86400'], 'policy-domain': 'a.test', 'mx-host': ['mx.a.test'] });
  assert.deepEqual(json.policies[0].summary, { 'total-successful-session-count': 5, 'total-failure-session-count': 2 });
  assert.deepEqual(json.policies[0]['failure-details'], [{ 'result-type': 'certificate-not-trusted', 'receiving-mx-hostname': 'mx.a.test', 'receiving-ip': '192.0.2.1', 'failed-session-count': 2 }]);
  assert.deepEqual(json['date-range'], { 'start-datetime': '1970-01-01T00:00:00Z', 'end-datetime': '1970-01-01T23:59:59Z' });
  const back = parseTlsReport(JSON.stringify(json));
  assert.deepEqual(back.policies.map((p) => [p.policyType, p.success, p.failure, p.failures.map((f) => `${f.resultType}:${f.count}`)]), [['sts', 5, 2, ['certificate-not-trusted:2']]]);
});

test('a day of outbound TLS results becomes one signed TLS-RPT report to the rua address', async (t) => {
  const peer = await startScriptedPeer();
  t.after(() => peer.close());
  const dns = await startDnsServer({
    'remote.test': { MX: [{ priority: 10, exchange: 'mx.remote.test' }] },
    'mx.remote.test': { A: ['127.0.0.1'] },
    '_smtp._tls.remote.test': { TXT: ['v=TLSRPTv1; rua=mailto:tls-reports@reports.test'] },
    'reports.test': { MX: [{ priority: 10, exchange: 'mx.remote.test' }] },
  });
  t.after(() => dns.close());
  const pi = await startPosternInstance(dns, { testing: { remote_smtp_port: peer.port } });
  t.after(() => pi.stop());
  await pi.addDomain('example.test');
  await pi.addUser('alice@example.test', 'alice-secret');
  for (const n of [1, 2]) {
    const r = await submit({ port: pi.submissionPort, user: 'alice@example.test', pass: 'alice-secret', from: 'alice@example.test', to: [`bob${n}@remote.test`],
      message: `From: alice@example.test\r\nTo: bob${n}@remote.test\r\nSubject: tls ${n}\r\n\r\nhello\r\n` });
    assert.equal(r.ok, true);
    await waitFor('delivery', () => peer.received.find((m) => m.to.includes(`bob${n}@remote.test`)));
  }
  // The outcome is counted after the connection ends: wait for the queue to settle first.
  await waitFor('queue empty', async () => (await pi.ctx.store.queue.list()).length === 0);
  // The queue empties when the outcome is recorded, which can be before the connection's QUIT.
  await waitFor('both connections counted', () => pi.worker.tlsResults.pendingConnections >= 2);
  await pi.worker.flushTlsResults();

  // Today's results become yesterday's, as if midnight UTC had passed (the report is then due),
  // through the store's interface: added again under yesterday, today's marked as reported.
  // (The day the worker counted under, not the clock's: the test may run across midnight UTC.)
  const unsent = await pi.ctx.store.tlsResults.due(utcDay(Date.now()) + 2);
  assert.equal(unsent.length, 1);
  const today = unsent[0]!.day;
  const counted = await pi.ctx.store.tlsResults.results(today, 'remote.test');
  assert.equal(counted.length, 1);
  await pi.ctx.store.tlsResults.add(counted.map((r) => ({ ...r, day: today - 1 })));
  await pi.ctx.store.tlsResults.markSent(today, 'remote.test', Date.now());
  const send = () => sendDueTlsReports({ store: pi.ctx.store, resolver: pi.ctx.resolver, hostname: 'mail.example.test', log: pi.ctx.log, now: Date.now(), lifetimeMs: 3600_000 });
  assert.equal(await send(), 1);
  assert.equal(await send(), 0, 'a day is reported once');
  const report = await waitFor('the report at the rua address', () => peer.received.find((m) => m.to.includes('tls-reports@reports.test')));
  const raw = report.raw.toString('latin1');
  assert.match(raw, /^TLS-Report-Domain: remote\.test\r$/m);
  assert.match(raw, /^TLS-Report-Submitter: mail\.example\.test\r$/m);
  assert.match(raw, /^Subject: Report Domain: remote\.test Submitter: mail\.example\.test Report-ID: </m);
  assert.match(raw, /multipart\/report; report-type="tlsrpt"/);
  const found = findReports(report.raw);

  assert.equal(found.length, 1);
  assert.equal(found[0]!.kind, 'tls');
  const tls = (found[0] as { kind: 'tls'; report: import('../../src/store/reports.ts').TlsReport }).report;
  assert.equal(tls.orgName, 'mail.example.test');
  assert.deepEqual(tls.policies.map((p) => [p.policyType, p.policyDomain, p.success, p.failure]), [['no-policy-found', 'remote.test', 2, 0]]);
  const verdicts = await verifyWithDkimpy(report.raw, dns.server);
  assert.ok(verdicts.length > 0 && verdicts.every((v) => v.pass && v.domain === 'example.test'), JSON.stringify(verdicts));
});
