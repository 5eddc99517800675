// The address fields (From, To, Cc, Bcc) as SEARCH FROM/TO/CC/BCC match them (RFC 3501 §6.4.4:
// "the envelope structure's FROM field"): parsed, so comments and folding inside an address do not
// defeat a search, with display names decoded (RFC 2047). One line per field, "name: a, b\n", each
// address as "Display Name <local@domain>" and a group as "group: a, b;". Pure; never throws.
import { parseAddressList } from './address-list.ts';
import { decodeEncodedWords } from './encoded-words.ts';

export const ADDRESS_FIELDS = ['from', 'to', 'cc', 'bcc'] as const;

/** One field's value as searchable text. */
export function addressText(value: string): string {
  const parts: string[] = [];
  let group: string[] | null = null;
  let groupName = '';
  for (const a of parseAddressList(value)) {
    if (a.host === null) {
      if (a.mailbox !== null) {
        group = [];
        groupName = decodeEncodedWords(a.mailbox);
      } else if (group) {
        parts.push(`${groupName}: ${group.join(', ')};`);
        group = null;
      }
      continue;
    }
    const spec = a.host === '' ? a.mailbox ?? '' : `${a.mailbox ?? ''}@${a.host}`;
    const text = a.name ? `${decodeEncodedWords(a.name)} <${spec}>` : spec;
    (group ?? parts).push(text);
  }
  if (group) parts.push(`${groupName}: ${group.join(', ')};`);
  return parts.join(', ');
}

/** The address lines of a header, given the first value of each field (null when absent). */
export function addressLines(value: (name: string) => string | null): string {
  let out = '';
  for (const f of ADDRESS_FIELDS) {
    const v = value(f);
    if (v !== null) out += `${f}: ${addressText(v)}\n`;
  }
  return out;
}
