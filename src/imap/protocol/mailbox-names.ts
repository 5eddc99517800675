// Rules for mailbox names Postern accepts when creating or renaming (hierarchy delimiter "/"), over
// IMAP and by Sieve's fileinto :create at delivery.
// Pure. Always true: a name that passes has no empty, "." or ".." component, no wildcard, no control
// character, no leading backslash, and fits IMAP_MAX_MAILBOX_NAME_LENGTH bytes.

import { IMAP_MAX_MAILBOX_NAME_LENGTH } from '../../limits.ts';
import { UNDECODABLE_NAME } from './mailbox-name-encoding.ts';

export const HIERARCHY_DELIMITER = '/';

/** Why `name` cannot be a mailbox name, or null when it can. */
export function mailboxNameProblem(name: string): string | null {
  if (name.length === 0) return 'Mailbox name is empty';
  if (name.startsWith(UNDECODABLE_NAME)) return 'Mailbox name is not valid modified UTF-7';
  if (Buffer.byteLength(name, 'utf8') > IMAP_MAX_MAILBOX_NAME_LENGTH) return 'Mailbox name is too long';
  if (/[%*]/.test(name)) return 'Mailbox name may not contain wildcards';
  if (/[\x00-\x1f\x7f]/.test(name)) return 'Mailbox name may not contain control characters';
  // Delivery reads a leading backslash as a special-use attribute (\Junk), never as a name.
  if (name.startsWith('\\')) return 'Mailbox name may not start with a backslash';
  for (const part of name.split(HIERARCHY_DELIMITER)) {
    if (part === '') return 'Mailbox name has an empty hierarchy level';
    if (part === '.' || part === '..') return 'Mailbox name may not contain "." or ".." levels';
  }
  return null;
}
