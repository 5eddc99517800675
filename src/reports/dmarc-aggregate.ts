// DMARC aggregate reports (RFC 7489 §7.2, schema in Appendix C): what a receiver saw of mail
// claiming our domain, per source IP. Always true: the result only holds values of the schema's
// types (counts are non-negative safe integers, results from the schema's enumerations, else
// "unknown"); a document that lacks report_metadata, policy_published or its date range is a
// ReportFormatError; at most REPORT_MAX_RECORDS records are kept.
import { isIP } from 'node:net';
import { REPORT_MAX_RECORDS } from '../limits.ts';
import { ReportFormatError } from './decompress.ts';
import { child, childText, parseXml, XmlError, type XmlElement } from './xml.ts';
import type { DmarcRecord, DmarcAggregate } from '../store/reports.ts';

const DISPOSITIONS = new Set(['none', 'quarantine', 'reject']);
const PASS_FAIL = new Set(['pass', 'fail']);
const DKIM_RESULTS = new Set(['none', 'pass', 'fail', 'policy', 'neutral', 'temperror', 'permerror']);
const SPF_RESULTS = new Set(['none', 'neutral', 'pass', 'fail', 'softfail', 'temperror', 'permerror']);

const oneOf = (set: Set<string>, v: string) => (set.has(v.toLowerCase()) ? v.toLowerCase() : 'unknown');
const short = (v: string, max = 255) => v.replace(/[\x00-\x1f\x7f]/g, ' ').slice(0, max);

function count(text: string, what: string): number {
  if (!/^\d{1,15}$/.test(text)) throw new ReportFormatError(`${what} is not a count: ${JSON.stringify(text.slice(0, 40))}`);
  return Number(text);
}

function record(el: XmlElement): DmarcRecord {
  const row = child(el, 'row');
  const evaluated = child(row, 'policy_evaluated');
  const ip = childText(row, 'source_ip');
  if (!isIP(ip)) throw new ReportFormatError(`source_ip is not an IP address: ${JSON.stringify(ip.slice(0, 60))}`);
  const auth = child(el, 'auth_results');
  return {
    sourceIp: ip,
    count: count(childText(row, 'count'), 'count'),
    disposition: oneOf(DISPOSITIONS, childText(evaluated, 'disposition')),
    dkimAligned: oneOf(PASS_FAIL, childText(evaluated, 'dkim')),
    spfAligned: oneOf(PASS_FAIL, childText(evaluated, 'spf')),
    headerFrom: short(childText(child(el, 'identifiers'), 'header_from').toLowerCase()),
    dkim: (auth?.children ?? []).filter((c) => c.name === 'dkim').map((d) => ({ domain: short(childText(d, 'domain').toLowerCase()), selector: short(childText(d, 'selector')), result: oneOf(DKIM_RESULTS, childText(d, 'result')) })),
    spf: (auth?.children ?? []).filter((c) => c.name === 'spf').map((s) => ({ domain: short(childText(s, 'domain').toLowerCase()), result: oneOf(SPF_RESULTS, childText(s, 'result')) })),
  };
}

export function parseDmarcAggregate(xml: string): DmarcAggregate {
  let root: XmlElement;
  try {
    root = parseXml(xml);
  } catch (err) {
    if (err instanceof XmlError) throw new ReportFormatError(`not well-formed XML: ${err.message}`);
    throw err;
  }
  if (root.name !== 'feedback') throw new ReportFormatError(`the root element is <${root.name}>, not <feedback>`);
  const meta = child(root, 'report_metadata');
  const published = child(root, 'policy_published');
  const range = child(meta, 'date_range');
  if (!meta || !published || !range) throw new ReportFormatError('report_metadata, date_range or policy_published is missing');
  const domain = childText(published, 'domain').toLowerCase();
  if (!domain) throw new ReportFormatError('policy_published has no domain');
  const records = root.children.filter((c) => c.name === 'record');
  if (records.length > REPORT_MAX_RECORDS) throw new ReportFormatError(`more than ${REPORT_MAX_RECORDS} records`);
  return {
    orgName: short(childText(meta, 'org_name')),
    email: short(childText(meta, 'email')),
    reportId: short(childText(meta, 'report_id')),
    begin: count(childText(range, 'begin'), 'date_range begin'),
    end: count(childText(range, 'end'), 'date_range end'),
    domain: short(domain),
    policy: oneOf(DISPOSITIONS, childText(published, 'p')),
    records: records.map(record),
  };
}
