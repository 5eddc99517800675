// Sending DMARC aggregate reports ([inbound] dmarc_reports, off by default): mail arriving over
// port 25 from a domain whose DMARC record asks for reports (rua=) is counted per source IP,
// alignment and disposition; once the day is over one RFC 7489 report goes through the queue:
// gzipped Appendix C XML (well-formed for Python's XML parser, read back by our own DMARC parser),
// DKIM-signed (python3-dkim verifies it), to the rua addresses in the policy domain and to the
// external one that publishes its _report._dmarc consent, never to the one that does not (§7.1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { startDnsServer } from '../fixtures/dns-server.ts';
import { addUser, startInbound } from '../fixtures/inbound-postern.ts';
import { dkimSign, generateDkimKey } from '../fixtures/dkim-signer.ts';
import { verifyWithDkimpy } from '../fixtures/dkim-verify.ts';
import { findReports } from '../../src/reports/recognise.ts';
import { unpack } from '../../src/reports/decompress.ts';
import { parseTree } from '../../src/mime/tree.ts';
import { decodeTransfer } from '../../src/mime/transfer-encoding.ts';
import { sendDueDmarcReports, dmarcRuaTargets } from '../../src/reports/dmarc-send.ts';
import { generateDkimKeys, dkimTxt } from '../../src/email-auth/dkim-keys.ts';
import { validateConfig } from '../../src/config/load.ts';
import { utcDay } from '../../src/queue/tls-results.ts';
import type { DmarcAggregate } from '../../src/store/reports.ts';

async function send(port: number, from: string, to: string, message: Buffer): Promise<string> {
  const conn = new SMTPConnection({ host: '127.0.0.1', port, ignoreTLS: true, logger: false, name: 'mta.sender.test' });
  conn.on('error', () => {});
  await new Promise<void>((resolve, reject) => { conn.once('error', reject); conn.connect(() => resolve()); });
  const info = await new Promise<{ response: string }>((resolve, reject) => conn.send({ from, to: [to] }, message, (err, res) => (err ? reject(err) : resolve(res as { response: string }))));
  conn.quit();
  return info.response;
}

test('rua parsing: mailto only, size limits, at most a few destinations', () => {
  assert.deepEqual(dmarcRuaTargets(['v=spf1 -all', 'v=DMARC1; p=none; rua=mailto:a@x.test,https://r.test/,mailto:b%2Bc@y.test!10m, mailto:d@z.test!500']),
    [{ address: 'a@x.test', maxBytes: null }, { address: 'b+c@y.test', maxBytes: 10 * 1024 * 1024 }, { address: 'd@z.test', maxBytes: 500 }]);
  assert.deepEqual(dmarcRuaTargets(['v=DMARC1; p=none']), []);
  assert.deepEqual(dmarcRuaTargets(['v=DMARC1; rua=mailto:%zz@x.test,mailto:no-at-sign']), []);
  assert.equal(validateConfig({}, null).inbound.dmarc_reports, false, 'off by default');
});

test('received mail becomes one signed DMARC aggregate report per domain and day, to consenting destinations only', async (t) => {
  const senderKey = generateDkimKey();
  const dns = await startDnsServer({
    'sender.test': { TXT: ['v=spf1 ip4:127.0.0.1 -all'] },
    's1._domainkey.sender.test': { TXT: [senderKey.dnsTxt] },
    '_dmarc.sender.test': { TXT: ['v=DMARC1; p=quarantine; adkim=s; rua=mailto:dmarc@sender.test,mailto:agg@reports.test!10m,mailto:nope@unverified.test'] },
    'sender.test._report._dmarc.reports.test': { TXT: ['v=DMARC1'] },
    'elsewhere.test': { TXT: ['v=spf1 -all'] },
  });
  t.after(() => dns.close());
  const mx = await startInbound(dns.server, { inbound: { dmarc_reports: true } });
  t.after(() => mx.stop());
  // Our domain with DKIM keys, so the report is signed as postern.test.
  const store = mx.ctx.store;
  await store.domains.remove((await store.domains.find('postern.test'))!.id, true);
  await store.domains.add('postern.test', generateDkimKeys(new Date()));
  for (const k of await store.domains.dkimKeys('postern.test')) dns.set(`${k.selector}._domainkey.postern.test`, { TXT: [dkimTxt(k)] });
  await addUser(store, 'alice@postern.test');

  const message = (subject: string) => Buffer.from(`From: Ann <ann@sender.test>\r\nTo: alice@postern.test\r\nSubject: ${subject}\r\nDate: Tue, 01 Dec 2026 10:00:00 +0000\r\nMessage-ID: <${subject}@sender.test>\r\n\r\nhello\r\n`);
  // Aligned twice (SPF and DKIM pass for sender.test), then a forgery: From: sender.test, from elsewhere, unsigned.
  for (const n of [1, 2]) assert.match(await send(mx.port, 'ann@sender.test', 'alice@postern.test', dkimSign(message(`signed-${n}`), 's1', 'sender.test', senderKey)), /^250 /);
  assert.match(await send(mx.port, 'bounce@elsewhere.test', 'alice@postern.test', message('forged')), /^250 /);

  const today = utcDay(Date.now());
  const rows = await store.dmarcResults.results(today, 'sender.test');
  assert.deepEqual(rows.map((r) => [r.sourceIp, r.headerFrom, r.disposition, r.dkimAligned, r.spfAligned, r.spfDomain, r.spfResult, r.count]), [
    ['127.0.0.1', 'sender.test', 'none', 'pass', 'pass', 'sender.test', 'pass', 2],
    ['127.0.0.1', 'sender.test', 'quarantine', 'fail', 'fail', 'elsewhere.test', 'fail', 1],
  ].sort((a, b) => String(a[2]).localeCompare(String(b[2]))));
  assert.deepEqual(JSON.parse(rows.find((r) => r.count === 2)!.dkim), [{ domain: 'sender.test', selector: 's1', result: 'pass' }]);

  const run = (now: number) => sendDueDmarcReports({ store, resolver: mx.ctx.resolver, hostname: 'mx.postern.test', log: mx.ctx.log, now, lifetimeMs: 3600_000 });
  assert.equal(await run(Date.now()), 0, 'not before the day is over');
  // Today's results become yesterday's, as if midnight UTC had passed (the signature's t= must not be in the future).
  const day = today - 1;
  await store.dmarcResults.add(rows.map((r) => ({ ...r, day })));
  await store.dmarcResults.markSent(today, 'sender.test', Date.now());
  assert.equal(await run(Date.now()), 1);
  assert.equal(await run(Date.now()), 0, 'a day is reported once');

  const [queued] = await store.queue.list();
  assert.ok(queued, 'the report is in the queue');
  assert.deepEqual(queued!.recipients.map((r) => r.recipient).sort(), ['agg@reports.test', 'dmarc@sender.test'], 'unverified.test did not consent');
  assert.equal(queued!.sender, 'postmaster@postern.test');
  // The bytes the queue would send (signature prefix included), as the worker loads them.
  const [claimed] = await store.queue.claimDue('sender.test', Date.now() + 1000, Date.now() + 60_000, 10);
  const raw = await store.contents.full(claimed!.contentId);
  const text = raw.toString('latin1');
  assert.match(text, /^Subject: Report Domain: sender\.test Submitter: mx\.postern\.test Report-ID: <[^>]+>\r$/m);
  assert.match(text, /Content-Type: application\/gzip; name="mx\.postern\.test!sender\.test!\d+!\d+!\w+\.xml\.gz"/);

  // An independent XML parser accepts the document.
  const part = parseTree(raw).children.find((c) => c.subtype === 'gzip')!;
  const xml = unpack(decodeTransfer(raw.subarray(part.bodyStart, part.end), part.encoding)).toString('utf8');
  execFileSync('/usr/bin/python3', ['-c', 'import sys, xml.etree.ElementTree as E; E.fromstring(sys.stdin.buffer.read())'], { input: xml });

  const found = findReports(raw);
  assert.equal(found.length, 1);
  assert.equal(found[0]!.kind, 'dmarc');
  const report = (found[0] as { kind: 'dmarc'; report: DmarcAggregate }).report;
  assert.deepEqual([report.orgName, report.domain, report.policy, report.email, report.end - report.begin], ['mx.postern.test', 'sender.test', 'quarantine', 'postmaster@postern.test', 86399]);
  assert.equal(report.begin, day * 86400);
  assert.match(xml, /<adkim>s<\/adkim><aspf>r<\/aspf><p>quarantine<\/p><sp>quarantine<\/sp><pct>100<\/pct>/);
  assert.deepEqual(report.records.map((r) => [r.sourceIp, r.count, r.disposition, r.dkimAligned, r.spfAligned, r.headerFrom, r.dkim.map((d) => `${d.domain}/${d.selector}/${d.result}`), r.spf.map((s) => `${s.domain}/${s.result}`)]), [
    ['127.0.0.1', 2, 'none', 'pass', 'pass', 'sender.test', ['sender.test/s1/pass'], ['sender.test/pass']],
    ['127.0.0.1', 1, 'quarantine', 'fail', 'fail', 'sender.test', [], ['elsewhere.test/fail']],
  ]);
  const verdicts = await verifyWithDkimpy(raw, dns.server);
  assert.ok(verdicts.length > 0 && verdicts.every((v) => v.pass && v.domain === 'postern.test'), JSON.stringify(verdicts));
});

test('with [inbound] dmarc_reports off (the default), nothing is recorded', async (t) => {
  const dns = await startDnsServer({ 'sender.test': { TXT: ['v=spf1 ip4:127.0.0.1 -all'] }, '_dmarc.sender.test': { TXT: ['v=DMARC1; p=none; rua=mailto:dmarc@sender.test'] } });
  t.after(() => dns.close());
  const mx = await startInbound(dns.server);
  t.after(() => mx.stop());
  await addUser(mx.ctx.store, 'alice@postern.test');
  assert.match(await send(mx.port, 'ann@sender.test', 'alice@postern.test', Buffer.from('From: ann@sender.test\r\nTo: alice@postern.test\r\nSubject: x\r\n\r\nx\r\n')), /^250 /);
  assert.deepEqual(await mx.ctx.store.dmarcResults.due(utcDay(Date.now()) + 1), []);
});
