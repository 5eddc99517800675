// Header fields the spam filter writes (X-Spam-Score, X-Spam-Reasons): a copy that arrived with the
// message claims to be ours and is removed before delivery, as Authentication-Results with our
// authserv-id is, so a client never reads a sender's claim as our verdict.
import { fieldsBeforeEmptyLine, fieldsNamed, withoutFields } from '../mime/header-fields.ts';

export const OWN_SPAM_FIELDS = ['X-Spam-Score', 'X-Spam-Reasons'] as const;

export function stripOwnSpamFields(raw: Buffer): Buffer {
  // As for Authentication-Results: every field a lenient reader could take as header.
  const fields = fieldsBeforeEmptyLine(raw);
  const forged = OWN_SPAM_FIELDS.flatMap((name) => fieldsNamed(fields, name)).sort((a, b) => a.start - b.start);
  return forged.length === 0 ? raw : withoutFields(raw, forged);
}
