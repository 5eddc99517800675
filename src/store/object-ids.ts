// The object identifiers of RFC 8474 as the store makes them, for both engines: MAILBOXID for a
// mailbox row and EMAILID for a message. Always true: a value is never reused, not after a delete
// and not on another node, because it is 128 random bits rather than a row id (SQLite reuses an
// INTEGER PRIMARY KEY after a delete) or a counter (one more row every delivery would wait on);
// it fits RFC 8474 §3's objectid (1*255 of ALPHA, DIGIT, "_", "-") and starts with a letter that
// says what it names, so a MAILBOXID can never equal an EMAILID.
import { randomHex } from '../random-hex.ts';

/** RFC 8474 §4: a new mailbox row's MAILBOXID. */
export function newMailboxId(): string {
  return 'M' + randomHex(16);
}

/** RFC 8474 §5.1: a new message's EMAILID (copies of it in the same account share it). */
export function newEmailId(): string {
  return 'E' + randomHex(16);
}
