// Delivery status notifications (RFC 3464) for recipients that failed for good, and delay notices
// for recipients still being retried (Action: delayed). Always true: a
// DSN is never built for the null sender (RFC 5321 §4.5.5: no bounces of bounces), its own
// envelope sender is null, and it carries the original message's header section, not its body
// (RFC 3462 text/rfc822-headers), so a bounce never re-sends a large attachment.
import { randomBytes } from 'node:crypto';
import { rfc5322Date } from './date-time.ts';

export interface FailedRecipient {
  recipient: string;
  /** Enhanced status code, e.g. "5.1.1" (RFC 3463). */
  status: string;
  /** The remote reply, "smtp; 550 5.1.1 ..." per RFC 3464 §2.3.6, or our own reason. */
  diagnostic: string;
  remoteMta?: string;
  lastAttemptAt: number;
  /** What the operator or the sender can do, from the table of known rejections. */
  advice?: string;
}

export interface DsnInput {
  /** Our hostname: Reporting-MTA and the From: mailbox's domain. */
  hostname: string;
  /** The original envelope sender, who receives the DSN. */
  sender: string;
  /** The original message's header section (bytes up to, not including, the empty line). */
  originalHeaders: Buffer;
  arrivalDate: number;
  now: number;
  failures: FailedRecipient[];
  /**
   * RFC 3464 §2.3.3: "failed" (the default, a bounce) or "delayed" (a delay notice: still queued and
   * retried until `willRetryUntil`, RFC 3464 §2.3.9).
   */
  action?: 'failed' | 'delayed';
  willRetryUntil?: number;
}

/** RFC 3461 §6.2 is about requests; without one, failures (not delays) are reported. */
export function shouldBounce(sender: string): boolean {
  return sender !== '';
}

function clean(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').replace(/[^\x20-\x7e]/g, '?');
}

/** A multi-line remote reply as one field, each reply line on a folded line (RFC 3464 §2.1.2, RFC 5322 §2.2.3). */
function folded(s: string): string {
  return s.split(/\r?\n/).map(clean).filter((l) => l.trim() !== '').join('\r\n ');
}

/** Long advice wrapped at about 76 columns for the human-readable part. */
function wrap(text: string, indent: string): string {
  const out: string[] = [];
  let line = '';
  for (const word of clean(text).split(' ')) {
    if (line && line.length + word.length + 1 > 76 - indent.length) { out.push(indent + line); line = word; } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(indent + line);
  return out.join('\r\n');
}

export function buildDsn(input: DsnInput): Buffer {
  const delayed = input.action === 'delayed';
  const boundary = `=_postern_${randomBytes(8).toString('hex')}`;
  const list = input.failures.map((f) => [
    `  <${clean(f.recipient)}>:`,
    ...f.diagnostic.split(/\r?\n/).filter((l) => l.trim() !== '').map((l) => `    ${clean(l)}`),
    ...(f.advice ? [wrap(`What to do: ${f.advice}`, '    ')] : []),
  ].join('\r\n')).join('\r\n\r\n');
  const human = [
    `This is the mail system at ${input.hostname}.`,
    '',
    ...(delayed ? [
      'Your message has not been delivered yet to one or more recipients.',
      `It is still queued and will be retried until ${rfc5322Date(input.willRetryUntil ?? input.now)};`,
      'you need not send it again. The last reply of the receiving server:',
    ] : [
      'Your message could not be delivered to one or more recipients.',
      'It has not been delivered and will not be retried.',
    ]),
    '',
    list,
    '',
  ].join('\r\n');
  const perMessage = [
    `Reporting-MTA: dns; ${input.hostname}`,
    `Arrival-Date: ${rfc5322Date(input.arrivalDate)}`,
  ].join('\r\n');
  const perRecipient = input.failures.map((f) => [
    `Final-Recipient: rfc822; ${clean(f.recipient)}`,
    `Action: ${delayed ? 'delayed' : 'failed'}`,
    `Status: ${f.status}`,
    ...(f.remoteMta ? [`Remote-MTA: dns; ${clean(f.remoteMta)}`] : []),
    `Diagnostic-Code: ${folded(f.diagnostic)}`,
    `Last-Attempt-Date: ${rfc5322Date(f.lastAttemptAt)}`,
    ...(delayed && input.willRetryUntil !== undefined ? [`Will-Retry-Until: ${rfc5322Date(input.willRetryUntil)}`] : []),
  ].join('\r\n')).join('\r\n\r\n');
  let headers = input.originalHeaders.toString('latin1');
  if (!headers.endsWith('\r\n')) headers += '\r\n';

  const text = [
    `From: Mail Delivery System <MAILER-DAEMON@${input.hostname}>`,
    `To: <${clean(input.sender)}>`,
    `Subject: ${delayed ? 'Delayed Mail (still being retried)' : 'Undelivered Mail Returned to Sender'}`,
    `Date: ${rfc5322Date(input.now)}`,
    `Message-ID: <${randomBytes(12).toString('hex')}@${input.hostname}>`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    '',
    'This is a MIME-encapsulated message.',
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=us-ascii',
    '',
    human,
    `--${boundary}`,
    'Content-Type: message/delivery-status',
    '',
    perMessage,
    '',
    perRecipient,
    '',
    `--${boundary}`,
    'Content-Type: text/rfc822-headers',
    '',
    headers,
    `--${boundary}--`,
    '',
  ].join('\r\n');
  return Buffer.from(text, 'latin1');
}

/** "550 5.1.1 No such user" or our own "5.1.10 reason" → the enhanced code; else the class default (RFC 3463 §3.1). */
export function statusFromReply(reply: string): string {
  const m = /^(?:\d{3}[ -])?([245]\.\d{1,3}\.\d{1,3})\b/.exec(reply);
  if (m) return m[1]!;
  return reply.startsWith('4') ? '4.0.0' : '5.0.0';
}
