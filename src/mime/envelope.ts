// The IMAP ENVELOPE of a message header (RFC 3501 §7.4.2), as sent on the
// wire. Values are the raw unfolded header text: decoding RFC 2047 is the
// client's job. Invariant: the output always matches the RFC 3501 envelope rule.
import { parseAddressList } from './address-list.ts';
import type { EnvelopeAddress } from './address-list.ts';
import { fieldValue, firstField } from './header-block.ts';
import type { HeaderField } from './header-block.ts';
import { imapNString } from './imap-string.ts';

function addressListString(list: EnvelopeAddress[]): string {
  if (list.length === 0) return 'NIL';
  let out = '(';
  for (const a of list) {
    out += `(${imapNString(a.name)} ${imapNString(a.adl)} ${imapNString(a.mailbox)} ${imapNString(a.host)})`;
  }
  return out + ')';
}

/** ENVELOPE for the header whose fields are given (first occurrence of each field wins). */
export function envelopeOf(raw: Buffer, fields: HeaderField[]): string {
  const text = (name: string): string | null => {
    const f = firstField(fields, name);
    if (!f) return null;
    return fieldValue(raw, f);
  };
  const addresses = (name: string): EnvelopeAddress[] => {
    const v = text(name);
    return v === null ? [] : parseAddressList(v);
  };
  const from = addresses('from');
  let sender = addresses('sender');
  let replyTo = addresses('reply-to');
  // RFC 3501 §7.4.2: absent or empty Sender/Reply-To are set to From.
  if (sender.length === 0) sender = from;
  if (replyTo.length === 0) replyTo = from;
  return (
    '(' +
    [
      imapNString(text('date')),
      imapNString(text('subject')),
      addressListString(from),
      addressListString(sender),
      addressListString(replyTo),
      addressListString(addresses('to')),
      addressListString(addresses('cc')),
      addressListString(addresses('bcc')),
      imapNString(text('in-reply-to')),
      imapNString(text('message-id')),
    ].join(' ') +
    ')'
  );
}
