// Receiving reports over port 25: DMARC aggregate reports (zip as Google sends, gzip as Microsoft
// sends, plain XML) and a TLS-RPT report (application/tlsrpt+gzip) to postmaster@ are stored and
// summarised by `postern reports dmarc|tls`, each message still lands in the mailbox, a resent
// report is not counted twice, and a decompression bomb is refused while its message is delivered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { promisify } from 'node:util';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { startDnsServer } from '../fixtures/dns-server.ts';
import { addUser, startInbound, storedMessages } from '../fixtures/inbound-postern.ts';
import { cliStoreToml } from '../fixtures/test-store.ts';
import { dmarcMessage, dmarcXml, gzipOf, tlsRptJson, tlsRptMessage, zipOf } from '../fixtures/report-messages.ts';

const BIN = path.resolve(import.meta.dirname, '../../bin/postern');

async function send(port: number, from: string, to: string, message: Buffer): Promise<string> {
  const conn = new SMTPConnection({ host: '127.0.0.1', port, ignoreTLS: true, logger: false });
  conn.on('error', () => {});
  await new Promise<void>((resolve, reject) => { conn.once('error', reject); conn.connect(() => resolve()); });
  const info = await new Promise<{ response: string }>((resolve, reject) => conn.send({ from, to: [to] }, message, (err, res) => (err ? reject(err) : resolve(res as { response: string }))));
  conn.quit();
  return info.response;
}

test('DMARC and TLS-RPT reports to postmaster@ are stored and summarised; the messages still arrive', async (t) => {
  const dns = await startDnsServer({});
  t.after(() => dns.close());
  const mx = await startInbound(dns.server);
  t.after(() => mx.stop());
  await addUser(mx.ctx.store, 'alice@postern.test');
  // The CLI does this for the first user of a domain; the fixture adds users directly.
  await mx.ctx.store.aliases.add((await mx.ctx.store.domains.find('postern.test'))!.id, 'postmaster@postern.test', ['alice@postern.test']);

  const now = Math.floor(Date.now() / 1000);
  const day = { begin: now - 86400, end: now - 60 };
  const google = dmarcXml({ org: 'google.com', reportId: '17645472001234', domain: 'postern.test', ...day, rows: [
    { ip: '192.0.2.10', count: 40, dkim: 'pass', spf: 'pass' },
    { ip: '203.0.113.9', count: 5, dkim: 'fail', spf: 'fail', disposition: 'quarantine' },
  ] });
  const microsoft = dmarcXml({ org: 'Outlook.com', reportId: 'a1b2c3', domain: 'postern.test', ...day, rows: [
    { ip: '192.0.2.10', count: 10, dkim: 'pass', spf: 'fail', spfAuth: 'fail' },
  ] });
  // Three weeks old: outside `reports dmarc`'s default 7 days, inside --days 30.
  const old = dmarcXml({ org: 'Old reporter', reportId: 'old-1', domain: 'postern.test', begin: now - 22 * 86400, end: now - 21 * 86400, rows: [{ ip: '192.0.2.77', count: 3, dkim: 'pass', spf: 'pass' }] });
  const yahoo = dmarcXml({ org: 'Yahoo', reportId: 'y-77', domain: 'postern.test', ...day, rows: [{ ip: '2001:db8::10', count: 2, dkim: 'pass', spf: 'pass' }] });
  const to = 'postmaster@postern.test';
  const common = { from: 'noreply@reporter.test', to, domain: 'postern.test' };
  const messages = [
    dmarcMessage({ ...common, reportId: 'g', file: `google.com!postern.test!${day.begin}!${day.end}.zip`, type: 'application/zip', data: zipOf(`google.com!postern.test!${day.begin}!${day.end}.xml`, google) }),
    dmarcMessage({ ...common, reportId: 'm', file: `protection.outlook.com!postern.test!${day.begin}!${day.end}.xml.gz`, type: 'application/gzip', data: gzipOf(microsoft) }),
    dmarcMessage({ ...common, reportId: 'y', file: 'yahoo.xml', type: 'text/xml', data: Buffer.from(yahoo) }),
    dmarcMessage({ ...common, reportId: 'o', file: 'old.xml', type: 'text/xml', data: Buffer.from(old) }),
    tlsRptMessage({ ...common, reportId: 't', json: tlsRptJson({ org: 'Google Inc.', reportId: '2026-12-01T00:00:00Z_postern.test', domain: 'postern.test',
      start: new Date((now - 86400) * 1000).toISOString(), end: new Date((now - 60) * 1000).toISOString(), success: 120, failures: [{ type: 'certificate-expired', count: 3 }] }) }),
    // The same Google report again: not counted twice.
    dmarcMessage({ ...common, reportId: 'g2', file: 'again.zip', type: 'application/zip', data: zipOf('again.xml', google) }),
    // 64 MiB of zeros in 64 KiB: refused as a report, delivered as a message.
    dmarcMessage({ ...common, reportId: 'bomb', file: 'bomb.xml.gz', type: 'application/gzip', data: zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 }) }),
  ];
  for (const m of messages) assert.match(await send(mx.port, 'noreply@reporter.test', to, m), /^250 /);
  assert.equal((await storedMessages(mx.ctx.store, 'alice@postern.test')).length, messages.length, 'every report message is in the mailbox');

  const metrics = await mx.ctx.metrics.expose();
  assert.match(metrics, /postern_reports_received_total\{kind="dmarc",result="stored"\} 4/);
  assert.match(metrics, /postern_reports_received_total\{kind="dmarc",result="duplicate"\} 1/);
  assert.match(metrics, /postern_reports_received_total\{kind="tls",result="stored"\} 1/);
  assert.match(metrics, /postern_reports_received_total\{kind="unknown",result="invalid"\} 1/);

  const configFile = path.join(mx.dataDir, 'postern.toml');
  fs.writeFileSync(configFile, `hostname = "mx.postern.test"\ndata_dir = "${mx.dataDir}"\n${cliStoreToml(mx.ctx.config)}`);
  const cli = async (...args: string[]) => (await promisify(execFile)(process.execPath, [BIN, 'reports', ...args, '--config', configFile], { encoding: 'utf8' })).stdout;

  const dmarc = JSON.parse(await cli('dmarc', '--json')) as { rows: { reporter: string; sourceIp: string; messages: number; spfPass: number; dkimPass: number; dmarcPass: number; reports: number }[] };
  const by = (reporter: string, ip: string) => dmarc.rows.find((r) => r.reporter === reporter && r.sourceIp === ip)!;
  assert.deepEqual([by('google.com', '192.0.2.10').messages, by('google.com', '192.0.2.10').dmarcPass, by('google.com', '192.0.2.10').reports], [40, 40, 1]);
  assert.deepEqual([by('google.com', '203.0.113.9').messages, by('google.com', '203.0.113.9').dmarcPass], [5, 0]);
  assert.deepEqual([by('Outlook.com', '192.0.2.10').spfPass, by('Outlook.com', '192.0.2.10').dkimPass, by('Outlook.com', '192.0.2.10').dmarcPass], [0, 10, 10]);
  assert.equal(by('Yahoo', '2001:db8::10').messages, 2);
  const text = await cli('dmarc', '--domain', 'postern.test', '--days', '2');
  assert.match(text, /google\.com\s+203\.0\.113\.9\s+1\s+5\s+0 \(0%\)\s+0 \(0%\)\s+0 \(0%\)\s+0 \(0%\)\s+0 \(0%\)/);
  assert.match(text, /Sources failing DMARC/);
  assert.equal(JSON.parse(await cli('dmarc', '--domain', 'other.test', '--json')).rows.length, 0);
  assert.ok(!dmarc.rows.some((r) => r.reporter === 'Old reporter'), 'the default is the last 7 days');
  const month = JSON.parse(await cli('dmarc', '--days', '30', '--json')) as typeof dmarc;
  assert.equal(month.rows.find((r) => r.reporter === 'Old reporter')?.messages, 3);

  const tls = JSON.parse(await cli('tls', '--json')) as { rows: { reporter: string; policyType: string; success: number; failure: number; failureTypes: { resultType: string; count: number }[] }[] };
  assert.deepEqual(tls.rows.map((r) => [r.reporter, r.policyType, r.success, r.failure, r.failureTypes[0]!.resultType]), [['Google Inc.', 'sts', 120, 3, 'certificate-expired']]);
  assert.match(await cli('tls'), /Google Inc\.\s+sts\s+1\s+120\s+3\s+certificate-expired 3/);
});
