// The Sieve extensions Postern implements: what `require` accepts and what ManageSieve's
// CAPABILITY "SIEVE" line lists. Always true: a name is here only when the interpreter implements
// it, so a script that passes `require` runs as its RFC says.
export const SIEVE_EXTENSIONS = [
  'fileinto', 'reject', 'ereject', 'envelope', 'encoded-character',
  'comparator-i;octet', 'comparator-i;ascii-casemap', 'comparator-i;ascii-numeric',
  'imap4flags', 'copy', 'mailbox', 'subaddress', 'relational', 'regex', 'body', 'variables',
  'date', 'index', 'include', 'environment', 'duplicate', 'vacation', 'vacation-seconds',
] as const;

export type SieveExtension = (typeof SIEVE_EXTENSIONS)[number];

export const SIEVE_EXTENSION_SET: ReadonlySet<string> = new Set(SIEVE_EXTENSIONS);

/** RFC 5228 §2.7.3: i;octet and i;ascii-casemap are always available; others need "comparator-NAME". */
export const COMPARATORS = ['i;octet', 'i;ascii-casemap', 'i;ascii-numeric'] as const;
export type Comparator = (typeof COMPARATORS)[number];
