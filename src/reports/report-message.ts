// One report we send (DMARC aggregate, RFC 7489 §7.2.1.1; TLS-RPT, RFC 8460 §5.3) as a message for
// the outbound queue: a short text part and the gzipped report attached in base64, from
// postmaster of one of our domains and DKIM-signed as that domain. Always true: the subject is the
// one both RFCs prescribe ("Report Domain: … Submitter: … Report-ID: <…>"), the attachment's file
// name is receiver!policy-domain!begin!end!unique-id plus the kind's extension, and nothing is
// delivered locally.
import { randomBytes } from 'node:crypto';
import type { Store } from '../store/api.ts';
import { signMessage } from '../email-auth/sign.ts';
import { rfc5322Date } from '../mime/date-time.ts';

export interface ReportMessage {
  hostname: string;
  /** Our domain the report comes from and is signed as. */
  from: string;
  /** The From field's display name ("DMARC reporting"). */
  fromName: string;
  to: string[];
  /** The domain the report is about. */
  domain: string;
  /** The UTC day reported (days since the epoch). */
  day: number;
  reportId: string;
  /** Header fields the kind adds (TLS-Report-Domain…), each without its CRLF. */
  headers: string[];
  /** The top-level Content-Type without its boundary ("multipart/mixed"). */
  multipart: string;
  /** The text part's one paragraph. */
  text: string;
  /** The attachment's Content-Type and its file name's extension (".xml.gz"). */
  attachmentType: string;
  extension: string;
  gz: Buffer;
  keys: Awaited<ReturnType<Store['domains']['dkimKeys']>>;
  now: number;
  /** How long the queue retries it. */
  lifetimeMs: number;
}

export function reportForQueue(m: ReportMessage): Parameters<Store['queue']['accept']>[0] {
  const begin = m.day * 86400;
  const file = `${m.hostname}!${m.domain}!${begin}!${begin + 86399}!${randomBytes(4).toString('hex')}${m.extension}`;
  const boundary = `=_report_${randomBytes(8).toString('hex')}`;
  const raw = Buffer.from([
    `From: ${m.fromName} <postmaster@${m.from}>`, `To: ${m.to.map((a) => `<${a}>`).join(', ')}`,
    `Subject: Report Domain: ${m.domain} Submitter: ${m.hostname} Report-ID: <${m.reportId}>`,
    `Date: ${rfc5322Date(m.now)}`, `Message-ID: <${randomBytes(12).toString('hex')}@${m.hostname}>`,
    ...m.headers, 'Auto-Submitted: auto-generated', 'MIME-Version: 1.0', `Content-Type: ${m.multipart}; boundary="${boundary}"`, '',
    `--${boundary}`, 'Content-Type: text/plain; charset=us-ascii', '', m.text, '',
    `--${boundary}`, `Content-Type: ${m.attachmentType}; name="${file}"`, `Content-Disposition: attachment; filename="${file}"`, 'Content-Transfer-Encoding: base64', '',
    m.gz.toString('base64').replace(/.{76}/g, '$&\r\n'), `--${boundary}--`, '',
  ].join('\r\n'));
  const prefix = Buffer.from(signMessage(raw, m.from, m.keys, m.now));
  return { raw, prefix, index: null, localTargets: [], internalDate: m.now, sender: `postmaster@${m.from}`, accountId: null, remoteRecipients: m.to, expiresAt: m.now + m.lifetimeMs };
}
