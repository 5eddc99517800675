// The POP3 unique-id of a message, derived from its mailbox's UIDVALIDITY and its IMAP UID.
// Always true: the same (uidValidity, uid) always gives the same id, different pairs give different
// ids, and the id is 1 to 70 characters in 0x21..0x7E (RFC 1939 §7 UIDL). Because neither number
// changes while the message exists, the id is stable across sessions and across IMAP activity.

export function uidlFor(uidValidity: number | bigint, uid: number | bigint): string {
  // Two unsigned 64-bit decimals and a dot are at most 41 characters, well inside the 70 allowed.
  return `${BigInt(uidValidity).toString(10)}.${BigInt(uid).toString(10)}`;
}
