// Header fields the spam filter writes (X-Spam-Score, X-Spam-Reasons): a copy that arrived with the
// message claims to be ours and is removed before delivery, as Authentication-Results with our
// authserv-id is, so a client never reads a sender's claim as our verdict.
import { fieldsNamed, splitHeaderFields, withoutFields } from '../mime/header-fields.ts';

export const OWN_SPAM_FIELDS = ['X-Spam-Score', 'X-Spam-Reasons'] as const;

export function stripOwnSpamFields(raw: Buffer): Buffer {
  const section = splitHeaderFields(raw);
  const forged = OWN_SPAM_FIELDS.flatMap((name) => fieldsNamed(section, name));
  return forged.length === 0 ? raw : withoutFields(raw, forged);
}
