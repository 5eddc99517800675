// Finds DMARC aggregate and TLS-RPT reports in a message delivered to a report address: each leaf
// part whose media type (or file name) says report, unpacked (bounded) and parsed. Always true:
// pure (bytes in, reports out); at most REPORT_MAX_ATTACHMENTS parts are read; a part that cannot
// be read becomes an error entry, never an exception, so the message itself is always delivered.
import { parseTree } from '../mime/tree.ts';
import { decodeTransfer } from '../mime/transfer-encoding.ts';
import type { MimePart } from '../mime/types.ts';
import { REPORT_MAX_ATTACHMENTS } from '../limits.ts';
import { ReportFormatError, unpack } from './decompress.ts';
import { parseDmarcAggregate } from './dmarc-aggregate.ts';
import type { DmarcAggregate } from '../store/reports.ts';
import { parseTlsReport } from './tls-rpt.ts';
import type { TlsReport } from '../store/reports.ts';

export type FoundReport = { kind: 'dmarc'; report: DmarcAggregate } | { kind: 'tls'; report: TlsReport } | { kind: 'error'; error: string };

// RFC 7489 §7.2.1.1 (application/gzip or zip, text/xml when plain) and what reporters really send;
// RFC 8460 §6.4/§6.5: application/tlsrpt+gzip and application/tlsrpt+json.
const REPORT_TYPES = new Set(['application/zip', 'application/x-zip', 'application/x-zip-compressed', 'application/gzip', 'application/x-gzip',
  'text/xml', 'application/xml', 'application/tlsrpt+gzip', 'application/tlsrpt+json']);

function fileName(p: MimePart): string {
  const param = (list: [string, string][] | undefined, name: string) => list?.find(([k]) => k === name)?.[1] ?? '';
  return (param(p.disposition?.params, 'filename') || param(p.params, 'name')).toLowerCase();
}

function leaves(p: MimePart, out: MimePart[]): void {
  if (p.children.length > 0) for (const c of p.children) leaves(c, out);
  else out.push(p);
}

export function findReports(raw: Buffer): FoundReport[] {
  const parts: MimePart[] = [];
  leaves(parseTree(raw), parts);
  const found: FoundReport[] = [];
  for (const p of parts) {
    const type = `${p.type}/${p.subtype}`;
    const name = fileName(p);
    const byName = /\.(xml|xml\.gz|gz|zip|json|json\.gz)$/.test(name);
    if (!REPORT_TYPES.has(type) && !(type === 'application/octet-stream' && byName)) continue;
    if (found.length >= REPORT_MAX_ATTACHMENTS) break;
    try {
      const data = unpack(decodeTransfer(raw.subarray(p.bodyStart, p.end), p.encoding));
      const text = data.toString('utf8');
      const tls = p.subtype.startsWith('tlsrpt') || /\.json(\.gz)?$/.test(name) || /^\s*\{/.test(text);
      found.push(tls ? { kind: 'tls', report: parseTlsReport(text) } : { kind: 'dmarc', report: parseDmarcAggregate(text) });
    } catch (err) {
      if (!(err instanceof ReportFormatError)) throw err;
      found.push({ kind: 'error', error: `${name || type}: ${err.message}` });
    }
  }
  return found;
}
