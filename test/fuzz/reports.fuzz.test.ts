// Fuzzing the report readers (reports arrive by mail from anyone): the XML reader, the DMARC
// aggregate and TLS-RPT parsers, the bounded unpacker, the message scanner, and the reader of the
// DMARC records (from anyone's DNS) whose rua= we send reports to. Each input either
// parses or fails with the module's own error (XmlError, ReportFormatError), never anything else,
// and findReports never throws. Inputs are random text, documents built from real report tokens,
// and real reports with random damage; crashing inputs found so far are kept as regression cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import zlib from 'node:zlib';
import { parseXml, XmlError } from '../../src/reports/xml.ts';
import { parseDmarcAggregate } from '../../src/reports/dmarc-aggregate.ts';
import { parseTlsReport } from '../../src/reports/tls-rpt.ts';
import { unpack, ReportFormatError } from '../../src/reports/decompress.ts';
import { findReports } from '../../src/reports/recognise.ts';
import { dmarcRuaTargets } from '../../src/reports/dmarc-send.ts';
import { DMARC_REPORT_MAX_DESTINATIONS } from '../../src/limits.ts';
import { dmarcMessage, dmarcXml, tlsRptJson, zipOf } from '../fixtures/report-messages.ts';

const numRuns = Number(process.env.POSTERN_FUZZ_RUNS ?? 200);

const SAMPLE = dmarcXml({ org: 'google.com', reportId: '1', domain: 'example.test', begin: 1, end: 2, rows: [{ ip: '192.0.2.1', count: 1, dkim: 'pass', spf: 'fail' }] });
const TLS = tlsRptJson({ org: 'o', reportId: 'r', domain: 'example.test', start: '2026-12-01T00:00:00Z', end: '2026-12-02T00:00:00Z', success: 1, failures: [{ type: 'starttls-not-supported', count: 1 }] });

const REGRESSIONS = ['', '<', '<>', '</a>', '<a/><b/>', '<a>&#0;</a>', '<a>&#xD800;</a>', '<?', '<!--', '<![CDATA[', '<feedback/>', '\ufeff<a/>', '<a b="<">'];

const TOKENS = ['<feedback>', '</feedback>', '<record>', '</record>', '<row>', '</row>', '<count>', '</count>', '<source_ip>', '</source_ip>',
  '<report_metadata>', '</report_metadata>', '<date_range>', '</date_range>', '<begin>', '</begin>', '<policy_published>', '</policy_published>',
  '<domain>', '</domain>', '1', '192.0.2.1', '&amp;', '&lt;', '&#65;', '<![CDATA[x]]>', '<!-- c -->', '<?xml version="1.0"?>', '<a/>', ' ', '\n', '<', '>', '&'];

function onlyOwnErrors(run: () => unknown, ...allowed: (new (...a: never[]) => Error)[]): void {
  try {
    run();
  } catch (err) {
    assert.ok(allowed.some((E) => err instanceof E), `unexpected ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
  }
}

const damaged = (text: string) => fc.tuple(fc.nat(text.length), fc.nat(20), fc.string({ maxLength: 20 }))
  .map(([at, cut, insert]) => text.slice(0, at) + insert + text.slice(Math.min(text.length, at + cut)));

test('the XML reader: parses or raises XmlError', () => {
  for (const r of REGRESSIONS) onlyOwnErrors(() => parseXml(r), XmlError);
  fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => onlyOwnErrors(() => parseXml(s), XmlError)), { numRuns });
  fc.assert(fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }), (t) => onlyOwnErrors(() => parseXml(t.join('')), XmlError)), { numRuns });
});

test('DMARC aggregate parser: a report or a ReportFormatError', () => {
  fc.assert(fc.property(damaged(SAMPLE), (s) => onlyOwnErrors(() => parseDmarcAggregate(s), ReportFormatError)), { numRuns });
  fc.assert(fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 80 }), (t) => onlyOwnErrors(() => parseDmarcAggregate(t.join('')), ReportFormatError)), { numRuns });
});

test('TLS-RPT parser: a report or a ReportFormatError', () => {
  fc.assert(fc.property(damaged(TLS), (s) => onlyOwnErrors(() => parseTlsReport(s), ReportFormatError)), { numRuns });
  fc.assert(fc.property(fc.json({ maxDepth: 4 }), (s) => onlyOwnErrors(() => parseTlsReport(s), ReportFormatError)), { numRuns });
});

test('the unpacker: bytes or a ReportFormatError, for random and damaged archives', () => {
  const gz = zlib.gzipSync(SAMPLE);
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom(Buffer.from([0x1f, 0x8b]), Buffer.from([0x50, 0x4b, 3, 4]), Buffer.alloc(0)), (bytes, magic) =>
    onlyOwnErrors(() => unpack(Buffer.concat([magic, Buffer.from(bytes)])), ReportFormatError)), { numRuns });
  fc.assert(fc.property(fc.nat(gz.length - 1), fc.integer({ min: 0, max: 255 }), (at, byte) => {
    const copy = Buffer.from(gz);
    copy[at] = byte;
    onlyOwnErrors(() => unpack(copy), ReportFormatError);
  }), { numRuns });
  // A real zip (as Google sends) with one byte changed, or cut short: headers, sizes and offsets lie.
  const zip = zipOf('google.com!example.test!1!2.xml', SAMPLE);
  fc.assert(fc.property(fc.nat(zip.length - 1), fc.integer({ min: 0, max: 255 }), fc.nat(zip.length), (at, byte, cut) => {
    const copy = Buffer.from(zip);
    copy[at] = byte;
    onlyOwnErrors(() => unpack(copy), ReportFormatError);
    onlyOwnErrors(() => unpack(zip.subarray(0, cut)), ReportFormatError);
  }), { numRuns });
});

test('the message scanner never throws', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom('application/zip', 'application/gzip', 'text/xml', 'application/tlsrpt+gzip'), (bytes, type) => {
    findReports(dmarcMessage({ from: 'a@b.test', to: 'postmaster@example.test', domain: 'example.test', reportId: 'x', file: 'r.xml', type, data: Buffer.from(bytes) }));
  }), { numRuns });
});

test('the rua reader of DMARC records: only plain addresses, never more than the limit, never a throw', () => {
  const RUA = ['v=DMARC1', ';', ' ', 'rua=', 'mailto:', 'a@b.test', '!10m', '!', ',', '%', '%2B', '%zz', '?subject=x', 'https://r.test/', 'p=none', '=', '@', 'k', '\u0000'];
  const check = (record: string) => {
    const out = dmarcRuaTargets([record]);
    assert.ok(out.length <= DMARC_REPORT_MAX_DESTINATIONS);
    for (const t of out) {
      assert.match(t.address, /^[^@\s<>]+@[A-Za-z0-9.-]+$/);
      assert.ok(t.maxBytes === null || (Number.isSafeInteger(t.maxBytes) && t.maxBytes >= 0));
    }
  };
  // Regressions: the last one once gave an unsafe maxBytes.
  for (const r of ['v=DMARC1; rua=mailto:%', 'v=DMARC1; rua=mailto:a@b!', 'v=DMARC1; rua=mailto:a@b!999999999999t']) check(r);
  fc.assert(fc.property(fc.array(fc.constantFrom(...RUA), { maxLength: 40 }), (t) => check(t.join(''))), { numRuns });
  fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => check(`v=DMARC1; rua=${s}`)), { numRuns });
});
