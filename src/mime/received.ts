// The one builder of the Received trace field (RFC 5321 §4.4) Postern puts in the prefix of every
// message it accepts, on port 25 and on submission, as one CRLF-terminated, folded string. Pure:
// the date comes from the caller's clock. Always true: every value in it is either ours or was
// already validated by the session (HELO name syntax, IP address), and control characters and
// comment delimiters can never reach it, so it cannot end early or inject another field.
import { rfc5322Date } from './date-time.ts';

export interface ReceivedInfo {
  helo: string;
  /** Client IP address as the socket reported it; absent when it must not be disclosed (hide_client_ip). */
  ip?: string;
  /** Reverse DNS name of the client, when it was looked up and looked sane. */
  reverseName?: string;
  /** Our hostname. */
  hostname: string;
  /** Session/transaction id for the log. */
  id: string;
  /** The with-protocol name (RFC 3848, RFC 6531 §3.7.3): see withProtocol. */
  protocol: string;
  /** TLS protocol, and cipher when known, when the session was encrypted. */
  tls?: { protocol: string; cipher?: string };
  /** The recipient, given only when the message has exactly one (privacy of Bcc). */
  recipient?: string;
  date: Date | number;
}

/** RFC 3848 and RFC 6531 §3.7.3 with-protocol names: (UTF8)SMTP/ESMTP, S with TLS, A with AUTH. */
export function withProtocol(info: { tls?: unknown; smtputf8: boolean; esmtp: boolean; authenticated?: boolean }): string {
  const base = info.smtputf8 ? 'UTF8SMTP' : info.esmtp ? 'ESMTP' : 'SMTP';
  if (base === 'SMTP') return base;
  return base + (info.tls ? 'S' : '') + (info.authenticated ? 'A' : '');
}

export function buildReceived(info: ReceivedInfo): string {
  const clean = (s: string) => s.replace(/[\x00-\x1f\x7f()\\]/g, '');
  const literal = info.ip === undefined ? undefined : info.ip.includes(':') ? `IPv6:${info.ip}` : info.ip;
  const helo = clean(info.helo) || (literal ? `[${literal}]` : 'unknown');
  // RFC 5321 §4.4 TCP-info: the address the connection came from, with its reverse name if known.
  const tcpInfo = literal === undefined ? '' : info.reverseName ? ` (${clean(info.reverseName)} [${literal}])` : ` ([${literal}])`;
  const lines = [
    `Received: from ${helo}${tcpInfo}`,
    `\tby ${info.hostname} (Postern) with ${clean(info.protocol)} id ${clean(info.id)}`,
  ];
  if (info.tls) lines.push(`\t(using ${clean(info.tls.protocol)}${info.tls.cipher ? ` with cipher ${clean(info.tls.cipher)}` : ''})`);
  if (info.recipient) lines.push(`\tfor <${clean(info.recipient)}>`);
  lines[lines.length - 1] += `; ${rfc5322Date(info.date)}`;
  return lines.join('\r\n') + '\r\n';
}
