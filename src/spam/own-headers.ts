// Header fields the spam filter writes (X-Spam-Score, X-Spam-Reasons): a copy that arrived with the
// message claims to be ours and is removed before delivery, as Authentication-Results with our
// authserv-id is, so a client never reads a sender's claim as our verdict.
import { fieldsNamed, type HeaderField, type MessageHeader } from '../mime/header-fields.ts';

export const OWN_SPAM_FIELDS = ['X-Spam-Score', 'X-Spam-Reasons'] as const;

/** The fields that claim to be our verdict, in message order, for withoutFields. */
export function ownSpamFields(header: MessageHeader): HeaderField[] {
  // As for Authentication-Results: every field a lenient reader could take as header.
  return OWN_SPAM_FIELDS.flatMap((name) => fieldsNamed(header.lenient, name)).sort((a, b) => a.start - b.start);
}
