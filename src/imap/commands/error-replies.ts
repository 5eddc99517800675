// The one place where an exception from a command becomes its tagged reply: syntax errors are BAD,
// the user's mistakes NO with a response code (RFC 5530), our own failures a logged NO [SERVERBUG]
// that says to try again — never a crash, never a silent success. The session reaches it through
// the command table it is given (registry.ts).
import { ImapSyntaxError } from '../protocol/tokens.ts';
import { ImapUserError, no, type Completion } from '../session/completion.ts';
import { MailboxExistsError, MailboxHasChildrenError, MailboxNotFoundError } from '../../store/mailbox-views.ts';
import { NoSuchMailboxError, OverQuotaError } from '../../store/delivery.ts';
import type { Logger } from '../../log.ts';
import { SearchTimeLimitError } from '../../store/search.ts';

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
