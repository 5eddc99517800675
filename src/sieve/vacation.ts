// The vacation action (RFC 5230, with RFC 6131's :seconds): whether to reply, to whom, and the
// reply itself. Always true (RFC 5230 §4.5-4.6, RFC 3834 §2): no reply to the null sender, to
// MAILER-DAEMON/owner-/-request/list-robot senders, to mail with Auto-Submitted other than "no",
// to list mail (List-* fields, Precedence bulk/list/junk), to mail that names none of the user's
// addresses in To/Cc/Bcc/Resent-To/Resent-Cc, or to the user's own address; the reply carries
// Auto-Submitted: auto-replied, In-Reply-To and References (RFC 5230 §5.8) and a null envelope
// sender is the caller's job (RFC 3834 §3.3 lets it be the user; we send from <>).
import { createHash, randomBytes } from 'node:crypto';
import { SieveMessage } from './message.ts';
import { rfc5322Date } from '../mime/date-time.ts';

export interface VacationArgs {
  reason: string;
  subject: string | null;
  from: string | null;
  addresses: string[];
  mime: boolean;
  handle: string | null;
  seconds: number;
}

export interface VacationReply {
  /** The original sender, who gets the reply. */
  to: string;
  /** The From: of the reply: :from, else the address the mail came to. */
  from: string;
  subject: string;
  reason: string;
  mime: boolean;
  /** With the sender, what the store remembers for :days (RFC 5230 §4.2). */
  handle: string;
  seconds: number;
  inReplyTo: string | null;
  references: string | null;
}

interface DecisionInput {
  message: SieveMessage;
  envelope: { from: string; to: string };
  userAddresses: string[];
}

// RFC 5230 §4.6 / RFC 3834 §2: senders that are mail robots.
const ROBOT = /^(mailer-daemon|postmaster|listserv|majordomo|owner-.*|.*-request|.*-owner|.*-bounces?|.*-errors|noreply|no-reply|do-not-reply)$/i;
const LIST_FIELDS = ['list-id', 'list-help', 'list-unsubscribe', 'list-subscribe', 'list-post', 'list-owner', 'list-archive'];

const bare = (address: string) => address.trim().replace(/^<|>$/g, '').toLowerCase();

export function vacationDecision(input: DecisionInput, args: VacationArgs): VacationReply | { skip: string } {
  const sender = bare(input.envelope.from);
  const msg = input.message;
  if (sender === '') return { skip: 'null sender' };
  if (ROBOT.test(sender.slice(0, sender.lastIndexOf('@')))) return { skip: `sender ${sender} is a mail robot` };
  const auto = msg.header('auto-submitted')[0];
  if (auto !== undefined && auto.split(';')[0]!.trim().toLowerCase() !== 'no') return { skip: `Auto-Submitted: ${auto}` };
  const precedence = msg.header('precedence')[0]?.trim().toLowerCase();
  if (precedence === 'bulk' || precedence === 'list' || precedence === 'junk') return { skip: `Precedence: ${precedence}` };
  const listField = LIST_FIELDS.find((f) => msg.has(f));
  if (listField) return { skip: `${listField} present: list mail` };
  const mine = new Set([...input.userAddresses, input.envelope.to, ...args.addresses].map(bare).filter(Boolean));
  if (mine.has(sender)) return { skip: 'the sender is the user' };
  // RFC 5230 §4.5: reply only if one of the user's addresses is in a recipient field.
  const named = ['to', 'cc', 'bcc', 'resent-to', 'resent-cc'].flatMap((h) => msg.rawHeader(h).flatMap((v) => SieveMessage.addressesIn(v)))
    .map((a) => `${a.local}@${a.domain}`.toLowerCase());
  if (!named.some((a) => mine.has(a))) return { skip: 'none of the user\'s addresses is in To or Cc' };
  const original = msg.header('subject')[0] ?? '';
  // RFC 5230 §4.7: the default subject is "Auto:" and the original subject.
  const subject = args.subject ?? `Auto: ${original}`.trimEnd();
  const from = args.from ?? (input.envelope.to || input.userAddresses[0] || '');
  // RFC 5230 §4.2: without :handle, the handle is derived from the arguments that shape the reply.
  const handle = args.handle ?? createHash('sha256').update(JSON.stringify([args.reason, args.subject, args.from, args.mime])).digest('base64url').slice(0, 22);
  const messageId = msg.rawHeader('message-id')[0]?.trim() || null;
  const refs = msg.rawHeader('references')[0]?.trim();
  const references = messageId ? (refs ? `${refs} ${messageId}` : messageId) : refs || null;
  return { to: sender, from, subject, reason: args.reason, mime: args.mime, handle, seconds: args.seconds, inReplyTo: messageId, references };
}

// RFC 2047 encoded word for non-ASCII header text.
function headerText(s: string): string {
  const clean = s.replace(/[\r\n]+/g, ' ');
  return /^[\x20-\x7e]*$/.test(clean) ? clean : `=?UTF-8?B?${Buffer.from(clean, 'utf8').toString('base64')}?=`;
}

/** The reply message (RFC 5230 §5), CRLF line endings, ready to DKIM-sign and queue. */
export function buildVacationReply(reply: VacationReply, opts: { hostname: string; now: number }): Buffer {
  const fromAddress = /<([^<>]+)>/.exec(reply.from)?.[1] ?? reply.from;
  const display = reply.from.includes('<') ? reply.from.replace(/[\r\n]+/g, ' ') : `<${fromAddress}>`;
  const lines = [
    `From: ${display}`,
    `To: <${reply.to}>`,
    `Subject: ${headerText(reply.subject)}`,
    `Date: ${rfc5322Date(opts.now)}`,
    `Message-ID: <${randomBytes(12).toString('hex')}@${opts.hostname}>`,
    ...(reply.inReplyTo ? [`In-Reply-To: ${reply.inReplyTo}`] : []),
    ...(reply.references ? [`References: ${reply.references}`] : []),
    // RFC 3834 §5.1: auto-replied; RFC 5230 §5.5: the same.
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
  ];
  let body: string;
  if (reply.mime) {
    // RFC 5230 §4.4: with :mime the reason is a MIME entity: its header, a blank line, its body.
    body = reply.reason.replace(/\r?\n/g, '\r\n');
    if (!/\r\n\r\n/.test(body)) body = `Content-Type: text/plain; charset=utf-8\r\n\r\n${body}`;
    return Buffer.from(lines.join('\r\n') + '\r\n' + body.replace(/(\r\n)?$/, '\r\n'), 'utf8');
  }
  body = reply.reason.replace(/\r?\n/g, '\r\n');
  const ascii = /^[\x00-\x7f]*$/.test(body);
  lines.push(`Content-Type: text/plain; charset=${ascii ? 'us-ascii' : 'utf-8'}`, `Content-Transfer-Encoding: ${ascii ? '7bit' : '8bit'}`);
  return Buffer.from(lines.join('\r\n') + '\r\n\r\n' + body.replace(/(\r\n)?$/, '\r\n'), 'utf8');
}
