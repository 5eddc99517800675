// Tagged completions and the one place where errors become IMAP replies: syntax errors are BAD, the
// user's mistakes NO with a response code (RFC 5530), our own failures a logged NO [SERVERBUG] that
// says to try again — never a crash, never a silent success.
import { ImapSyntaxError } from '../protocol/tokens.ts';
import { MailboxExistsError, MailboxHasChildrenError, MailboxNotFoundError } from '../../store/imap-mailboxes.ts';
import { NoSuchMailboxError, OverQuotaError } from '../../store/delivery.ts';
import type { Logger } from '../../log.ts';
import { SearchTimeLimitError } from '../../store/imap-search.ts';

export interface Completion {
  status: 'OK' | 'NO' | 'BAD';
  code?: string;
  text: string;
  /** The command already wrote its tagged reply (STARTTLS must answer before the handshake). */
  sent?: true;
  /** Close the connection after the tagged reply (LOGOUT). */
  close?: true;
}

/** A mistake of the user's, answered with tagged NO and a response code. */
export class ImapUserError extends Error {
  readonly code: string | undefined;
  constructor(text: string, code?: string) {
    super(text);
    this.name = 'ImapUserError';
    this.code = code;
  }
}

export function ok(text: string, code?: string): Completion {
  return code ? { status: 'OK', code, text } : { status: 'OK', text };
}

export function no(text: string, code?: string): Completion {
  return code ? { status: 'NO', code, text } : { status: 'NO', text };
}

export function bad(text: string): Completion {
  return { status: 'BAD', text };
}

export function completionForError(err: unknown, log: Logger, command: string): Completion {
  if (err instanceof ImapSyntaxError) return { status: 'BAD', text: err.message, ...(err.code ? { code: err.code } : {}) };
  if (err instanceof ImapUserError) return no(err.message, err.code);
  if (err instanceof MailboxNotFoundError || err instanceof NoSuchMailboxError) return no('No such mailbox', 'NONEXISTENT');
  if (err instanceof MailboxExistsError) return no('Mailbox already exists', 'ALREADYEXISTS');
  if (err instanceof MailboxHasChildrenError) return no('Mailbox has children; delete them first', 'INUSE');
  if (err instanceof OverQuotaError) return no('Quota exceeded', 'OVERQUOTA');
  // RFC 5530 LIMIT: the search ran longer than we give one command (issue 10).
  if (err instanceof SearchTimeLimitError) return no('Search took too long; narrow it', 'LIMIT');
  log.error({ err, command }, 'IMAP command failed');
  return no('Internal error; try again later', 'SERVERBUG');
}
