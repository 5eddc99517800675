import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { unpack, ReportFormatError } from '../../../src/reports/decompress.ts';
import { parseXml, XmlError } from '../../../src/reports/xml.ts';
import { parseDmarcAggregate } from '../../../src/reports/dmarc-aggregate.ts';
import { parseTlsReport } from '../../../src/reports/tls-rpt.ts';
import { findReports } from '../../../src/reports/recognise.ts';
import { REPORT_MAX_DECOMPRESSED_BYTES } from '../../../src/limits.ts';
import { dmarcMessage, dmarcXml, gzipOf, tlsRptJson, tlsRptMessage, zipOf } from '../../fixtures/report-messages.ts';

const xml = dmarcXml({ org: 'google.com', reportId: '1234567890', domain: 'example.test', begin: 1764547200, end: 1764633599, rows: [
  { ip: '192.0.2.10', count: 12, dkim: 'pass', spf: 'pass' },
  { ip: '2001:db8::66', count: 3, dkim: 'fail', spf: 'fail', disposition: 'quarantine', spfAuth: 'softfail' },
] });

test('DMARC aggregate XML: metadata, policy and every record', () => {
  const r = parseDmarcAggregate(xml);
  assert.deepEqual([r.orgName, r.reportId, r.domain, r.policy, r.begin, r.end], ['google.com', '1234567890', 'example.test', 'quarantine', 1764547200, 1764633599]);
  assert.equal(r.records.length, 2);
  assert.deepEqual(r.records[1], {
    sourceIp: '2001:db8::66', count: 3, disposition: 'quarantine', dkimAligned: 'fail', spfAligned: 'fail', headerFrom: 'example.test',
    dkim: [{ domain: 'example.test', selector: '202612r', result: 'fail' }], spf: [{ domain: 'example.test', result: 'softfail' }],
  });
  assert.throws(() => parseDmarcAggregate('<feedback><report_metadata/></feedback>'), ReportFormatError);
  assert.throws(() => parseDmarcAggregate(xml.replace('<count>12</count>', '<count>-1</count>')), /not a count/);
  assert.throws(() => parseDmarcAggregate(xml.replace('192.0.2.10', 'evil')), /not an IP address/);
});

test('the XML reader refuses DOCTYPE (no entity expansion) and bad nesting', () => {
  assert.throws(() => parseXml('<!DOCTYPE lolz [<!ENTITY lol "lol">]><feedback>&lol;</feedback>'), XmlError);
  assert.throws(() => parseXml('<a><b></a></b>'), XmlError);
  assert.throws(() => parseXml('<a>'), XmlError);
  assert.throws(() => parseXml('<a>&bogus;</a>'), XmlError);
  assert.throws(() => parseXml('<a>'.repeat(100) + '</a>'.repeat(100)), /nested deeper/);
  const el = parseXml('<?xml version="1.0"?><!-- c --><x:a xmlns:x="u"><b>1 &lt; 2 &#x41;<![CDATA[<raw>]]></b></x:a>');
  assert.equal(el.name, 'a');
  assert.equal(el.children[0]!.text, '1 < 2 A<raw>');
});

test('zip, gzip and plain payloads unpack; bombs stop at the limit', () => {
  assert.equal(unpack(zipOf('google.com!example.test!1764547200!1764633599.xml', xml)).toString(), xml);
  assert.equal(unpack(gzipOf(xml)).toString(), xml);
  assert.equal(unpack(Buffer.from(xml)).toString(), xml);
  // 64 MiB of zeros compresses to ~64 KiB: refused without expanding it all.
  const bomb = zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
  assert.ok(bomb.length < 200 * 1024);
  assert.throws(() => unpack(bomb), (e: Error) => e instanceof ReportFormatError && e.message.includes(String(REPORT_MAX_DECOMPRESSED_BYTES)));
  const zipBomb = zipOf('big.xml', '\0'.repeat(REPORT_MAX_DECOMPRESSED_BYTES + 1));
  assert.throws(() => unpack(zipBomb), /expands beyond/);
  assert.throws(() => unpack(Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3])), ReportFormatError);
  assert.throws(() => unpack(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0])), ReportFormatError);
});

test('TLS-RPT JSON (RFC 8460 §4): policies, summary and failure details', () => {
  const r = parseTlsReport(tlsRptJson({ org: 'Google Inc.', reportId: '2026-12-01T00:00:00Z_example.test', domain: 'example.test', start: '2026-12-01T00:00:00Z', end: '2026-12-01T23:59:59Z', success: 40, failures: [{ type: 'certificate-expired', count: 2 }] }));
  assert.equal(r.orgName, 'Google Inc.');
  assert.equal(r.begin, Date.parse('2026-12-01T00:00:00Z'));
  assert.deepEqual(r.policies.map((p) => [p.policyType, p.policyDomain, p.success, p.failure, p.failures[0]!.resultType, p.failures[0]!.count]), [['sts', 'example.test', 40, 2, 'certificate-expired', 2]]);
  assert.throws(() => parseTlsReport('{"policies": []}'), ReportFormatError);
  assert.throws(() => parseTlsReport('not json'), ReportFormatError);
});

test('reports are found in the messages reporters send, in every packing', () => {
  const common = { from: 'noreply@reporter.test', to: 'postmaster@example.test', domain: 'example.test', reportId: 'r1' };
  const zipped = findReports(dmarcMessage({ ...common, file: 'r!example.test!1!2.zip', type: 'application/zip', data: zipOf('r.xml', xml) }));
  const gz = findReports(dmarcMessage({ ...common, file: 'r!example.test!1!2.xml.gz', type: 'application/gzip', data: gzipOf(xml) }));
  const plain = findReports(dmarcMessage({ ...common, file: 'r.xml', type: 'text/xml', data: Buffer.from(xml) }));
  const octets = findReports(dmarcMessage({ ...common, file: 'r.xml.gz', type: 'application/octet-stream', data: gzipOf(xml) }));
  for (const found of [zipped, gz, plain, octets]) assert.deepEqual(found.map((f) => f.kind), ['dmarc']);
  const tls = findReports(tlsRptMessage({ ...common, json: tlsRptJson({ org: 'o', reportId: 't1', domain: 'example.test', start: '2026-12-01T00:00:00Z', end: '2026-12-01T23:59:59Z', success: 1, failures: [] }) }));
  assert.deepEqual(tls.map((f) => f.kind), ['tls']);
  const broken = findReports(dmarcMessage({ ...common, file: 'r.xml', type: 'text/xml', data: Buffer.from('<feedback>') }));
  assert.equal(broken[0]!.kind, 'error');
  assert.deepEqual(findReports(Buffer.from('Subject: hi\r\n\r\njust text\r\n')), []);
});
