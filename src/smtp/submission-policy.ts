// Submission policy as plain functions: who may send as which address, what a submitted message
// must look like, and the header fix-ups Postern makes before signing. Always true: nothing here
// touches a socket or the store; callers resolve addresses to accounts and pass the answers in,
// and every refusal is an SMTP reply with its enhanced status code.
import { randomBytes } from 'node:crypto';
import { splitMessage } from '../email-auth/header-fields.ts';
import { splitHeaderFields, type HeaderSection } from '../mime/header-fields.ts';
import { LineEndingNormalizer } from './line-endings.ts';
import { decodeEncodedWords } from '../mime/encoded-words.ts';
import { parseAddressList } from '../mime/address-list.ts';
import { BARE_CR, replyText } from './reply-catalogue.ts';
import { rfc5322Date } from '../mime/date-time.ts';
import { buildReceived } from '../mime/received.ts';

export interface SmtpReply { code: number; message: string }

// RFC 6409 §6.1: the submission server must make sure the user is entitled to the sender address.
export const SENDER_NOT_OWNED: SmtpReply = { code: 553, message: '5.7.1 Sender address not owned by the authenticated user' };
// A bounce address is for mail systems (RFC 5321 §4.5.5); a user never needs to submit one.
export const NULL_SENDER_REFUSED: SmtpReply = { code: 553, message: '5.7.1 Null sender is not allowed on submission' };
export const FROM_NOT_OWNED: SmtpReply = { code: 553, message: '5.7.1 From: header address not owned by the authenticated user' };
export const NO_FROM: SmtpReply = { code: 550, message: '5.6.0 Message has no From: header' };
// RFC 5321 §2.3.8: a CR that does not start CRLF is not a line ending; refused as on port 25.
export const BARE_CR_REFUSED: SmtpReply = { code: BARE_CR.code, message: replyText(BARE_CR) };

/** MAIL FROM: may the user use this envelope sender? `owned`: the address is theirs (delivery/sender-ownership.ts). */
export function checkEnvelopeSender(address: string, owned: boolean): SmtpReply | null {
  if (address === '') return NULL_SENDER_REFUSED;
  return owned ? null : SENDER_NOT_OWNED;
}

// RFC 5322 §3.6.2 allows several From: mailboxes only with a Sender:; DMARC (RFC 7489 §6.6.1)
// cannot judge them, and neither can a recipient: one author per submitted message.
export const ONE_FROM: SmtpReply = { code: 550, message: '5.7.1 From: must be one field naming one mailbox' };
// A display name written as an address ("ceo@bank.example" <alice@…>) is what most clients show.
export const DISPLAY_NAME_NOT_OWNED: SmtpReply = { code: 553, message: '5.7.1 From: display name names an address not owned by the authenticated user' };

/** One mailbox of a From: field: its address (lowercased; '' when it has none) and the other
 *  addresses the field spells (in the display name, a comment, or a fragment the parser dropped). */
export interface FromMailbox { address: string; nameAddresses: string[] }

/**
 * The From: fields of a message: how many there are and every mailbox in them (groups flattened),
 * read by the parser that builds IMAP's ENVELOPE (mime/address-list.ts), so the address this check
 * owns is the one clients are shown. That parser drops what it cannot read; so that nothing it
 * dropped can carry an address past the check, a field with one mailbox reports every other
 * address-looking string in the whole field as its nameAddresses.
 */
export function fromMailboxes(message: Buffer, header: Pick<HeaderSection, 'fields'> = splitHeaderFields(message)): { fields: number; mailboxes: FromMailbox[] } {
  const mailboxes: FromMailbox[] = [];
  let count = 0;
  for (const f of header.fields) {
    if (f.name !== 'from') continue;
    count++;
    // Unfolded (RFC 5322 §2.2.3); header bytes are UTF-8 when they are not ASCII (RFC 6532).
    const value = Buffer.from(message.toString('latin1', f.valueStart, f.end).replace(/\r?\n$/, '').replace(/\r\n/g, '').trim(), 'latin1').toString('utf8');
    // Group markers (a start has no host, an end nothing at all) are not mailboxes.
    const parsed = parseAddressList(value).filter((a) => a.host !== null);
    const inField = parsed.map((a) => ({ address: a.mailbox && a.host ? `${a.mailbox}@${a.host}`.toLowerCase() : '', name: a.name ?? '' }));
    const spelled = addressesInName(value);
    for (const m of inField) {
      const others = inField.length === 1 ? spelled : addressesInName(m.name);
      mailboxes.push({ address: m.address, nameAddresses: others.filter((a) => a !== m.address) });
    }
  }
  return { fields: count, mailboxes };
}

/** The addresses of the From: field(s), lowercased; groups are flattened. */
export function fromAddresses(message: Buffer, header: Pick<HeaderSection, 'fields'> = splitHeaderFields(message)): string[] {
  return fromMailboxes(message, header).mailboxes.map((m) => m.address);
}

// Anything shaped like local@domain.tld once encoded words are decoded and compatibility forms
// folded (NFKC turns a fullwidth ＠ or letters into ASCII, as a reader's eye does).
const ADDRESS_LIKE = /[^\s@<>()[\]"',;:]+@[^\s@<>()[\]"',;:]+\.[^\s@<>()[\]"',;:]+/gu;

/** The address-looking strings a display name contains, lowercased and without a trailing dot. */
export function addressesInName(name: string): string[] {
  if (!name) return [];
  const text = decodeEncodedWords(name).normalize('NFKC');
  return [...text.matchAll(ADDRESS_LIKE)].map((m) => m[0].toLowerCase().replace(/\.+$/, ''));
}

/**
 * DATA: one From: field with one mailbox, owned by the authenticated user; an address spelled in
 * its display name must be one the user owns too. `owns` answers for the user (delivery/sender-ownership.ts).
 */
export function checkFromHeader(from: { fields: number; mailboxes: FromMailbox[] }, owns: (address: string) => boolean): SmtpReply | null {
  if (from.mailboxes.length === 0 || from.mailboxes.some((m) => m.address === '')) return NO_FROM;
  if (from.fields > 1 || from.mailboxes.length > 1) return ONE_FROM;
  const [mailbox] = from.mailboxes;
  if (!owns(mailbox!.address)) return FROM_NOT_OWNED;
  return mailbox!.nameAddresses.every(owns) ? null : DISPLAY_NAME_NOT_OWNED;
}

/**
 * Rewrites every line ending to CRLF: a bare LF becomes CRLF, a bare CR is refused. After this no
 * line of the message can be read differently by two SMTP implementations (SMTP smuggling).
 * Same discipline as port 25 (line-endings.ts), applied to the whole submitted message.
 */
export function normalizeLineEndings(raw: Buffer): { message: Buffer } | { reply: SmtpReply } {
  const normalizer = new LineEndingNormalizer();
  const message = normalizer.push(raw);
  normalizer.end();
  return normalizer.bareCr ? { reply: BARE_CR_REFUSED } : { message };
}

export interface FixupOptions {
  now: number;
  /** Our hostname, for Received and for the right side of a generated Message-ID. */
  hostname: string;
  clientIp: string;
  clientHelo: string;
  hideClientIp: boolean;
  /** "ESMTPSA" and friends (RFC 3848). */
  protocol: string;
  /** The TLS protocol version when the session was encrypted. */
  tlsProtocol?: string;
  queueId: string;
}

/**
 * RFC 6409 §8: adds Date and Message-ID when missing, removes Bcc, and writes the empty line after
 * the header when the sender left it out. Returns the message to
 * store and sign, plus the Received field that goes in the prefix (never signed, never stored in raw).
 */
export function fixupSubmittedMessage(message: Buffer, opts: FixupOptions): { message: Buffer; received: string } {
  const { fields, body, separated } = splitMessage(message);
  const kept = fields.filter((f) => f.name !== 'bcc');
  const added: string[] = [];
  if (!fields.some((f) => f.name === 'date')) added.push(`Date: ${rfc5322Date(opts.now)}`);
  if (!fields.some((f) => f.name === 'message-id')) added.push(`Message-ID: <${randomBytes(12).toString('hex')}@${opts.hostname}>`);
  // A header that ended at a line that is not a field gets its empty line (RFC 5322 §3.5), so the
  // signer, the recipients and every parser in between read the same header.
  const changed = added.length > 0 || kept.length !== fields.length || !separated;
  const out = changed
    ? Buffer.concat([Buffer.from([...kept.map((f) => f.raw), ...added].join('\r\n') + '\r\n\r\n', 'latin1'), body])
    : message;
  return { message: out, received: receivedField(opts) };
}

// RFC 5321 §4.4: with hide_client_ip the client's address is left out of the Received field so
// the sender's home network is not disclosed to the recipients.
function receivedField(o: FixupOptions): string {
  return buildReceived({
    helo: o.hideClientIp ? o.clientHelo || 'submission' : o.clientHelo, ...(o.hideClientIp ? {} : { ip: o.clientIp }), hostname: o.hostname, id: o.queueId,
    protocol: o.protocol, ...(o.tlsProtocol ? { tls: { protocol: o.tlsProtocol } } : {}), date: o.now,
  });
}

/** Per-user sending limits (RFC 6409 leaves policy to us): messages per hour and recipients per message. */
export const RATE_LIMITED: SmtpReply = { code: 450, message: '4.7.1 Sending rate limit exceeded, try again later' };
export const TOO_MANY_RECIPIENTS: SmtpReply = { code: 450, message: '4.7.1 Too many recipients for one message' };

export function checkRecipientCount(count: number, maxPerMessage: number): SmtpReply | null {
  return count > maxPerMessage ? TOO_MANY_RECIPIENTS : null;
}

export function checkHourlyRate(sentInLastHour: number, maxPerHour: number): SmtpReply | null {
  return sentInLastHour >= maxPerHour ? RATE_LIMITED : null;
}
