// The Received trace field we put on every message accepted on port 25 (RFC 5321 §4.4), as one
// CRLF-terminated, folded string. Pure: the date comes from the caller's clock. Always true: every
// value in it is either ours or was already validated by the session (HELO name syntax, IP
// address), and control characters can never reach it.

export interface ReceivedInfo {
  helo: string;
  /** Client IP address as the socket reported it. */
  ip: string;
  /** Reverse DNS name of the client, when it was looked up and looked sane. */
  reverseName?: string;
  /** Our hostname. */
  hostname: string;
  /** Session/transaction id for the log. */
  id: string;
  /** TLS protocol and cipher when the session was encrypted. */
  tls?: { protocol: string; cipher: string };
  /** The client used SMTPUTF8 (RFC 6531 §3.7.3 protocol type UTF8SMTP[S]). */
  smtputf8: boolean;
  /** EHLO (ESMTP) or HELO (SMTP). */
  esmtp: boolean;
  /** The recipient, given only when the message has exactly one (privacy of Bcc). */
  recipient?: string;
  date: Date;
}

/** RFC 3848 and RFC 6531 §3.7.3 with-protocol names. */
export function withProtocol(info: Pick<ReceivedInfo, 'tls' | 'smtputf8' | 'esmtp'>): string {
  const base = info.smtputf8 ? 'UTF8SMTP' : info.esmtp ? 'ESMTP' : 'SMTP';
  return info.tls && base !== 'SMTP' ? base + 'S' : base;
}

export function buildReceived(info: ReceivedInfo): string {
  const clean = (s: string) => s.replace(/[\x00-\x1f\x7f()\\]/g, '');
  const literal = info.ip.includes(':') ? `IPv6:${info.ip}` : info.ip;
  const tcpInfo = info.reverseName ? `${clean(info.reverseName)} [${literal}]` : `[${literal}]`;
  const lines = [
    `Received: from ${clean(info.helo)} (${tcpInfo})`,
    `\tby ${info.hostname} (Postern) with ${withProtocol(info)} id ${clean(info.id)}`,
  ];
  if (info.tls) lines.push(`\t(using ${clean(info.tls.protocol)} with cipher ${clean(info.tls.cipher)})`);
  if (info.recipient) lines.push(`\tfor <${clean(info.recipient)}>`);
  lines[lines.length - 1] += `; ${rfc5322Date(info.date)}`;
  return lines.join('\r\n') + '\r\n';
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 5322 §3.3 date-time, in UTC so it does not depend on the host's zone. */
export function rfc5322Date(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[date.getUTCDay()]}, ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()} ` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`;
}
