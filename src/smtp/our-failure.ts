// Our own failures in SMTP, answered one way on every listener and at every stage (connect, AUTH,
// MAIL, RCPT, DATA). Always true: an error that is not a reply we chose on purpose (it carries no
// responseCode) is logged with its detail and answered with a temporary reply whose text says
// nothing about the cause, so good mail is retried instead of bounced and no internals leak.
import type { Logger } from '../log.ts';

export type SmtpReplyError = Error & { responseCode: number };

// RFC 3463 X.3.0: "other or undefined mail system status"; 451 is RFC 5321's local error.
export const OUR_FAILURE_TEXT = '4.3.0 Local error in processing, try again later';
// RFC 3463 X.3.1: "mail system full"; 452 is RFC 5321's insufficient system storage.
export const NO_STORAGE_TEXT = '4.3.1 Insufficient system storage, try again later';

function replyError(code: number, text: string): SmtpReplyError {
  return Object.assign(new Error(text), { responseCode: code });
}

/** True when the error means the disk (or the database file) is full: SQLITE_FULL or ENOSPC. */
export function isStorageFull(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_FULL' || code === 'ENOSPC';
}

/** The reply for `err`: itself when it is a reply we chose, else 452 4.3.1 (disk full) or 451 4.3.0, logged. */
export function smtpFailure(err: unknown, log: Logger, context: Record<string, unknown>): SmtpReplyError {
  const code = (err as { responseCode?: unknown } | null)?.responseCode;
  if (err instanceof Error && typeof code === 'number') return err as SmtpReplyError;
  // The client went away mid-DATA (or was closed by a deadline): nobody hears a reply, nothing of ours failed.
  if ((err as { code?: unknown } | null)?.code === 'ECONNECTION') {
    log.debug({ err, ...context }, 'smtp: connection closed during the transaction');
    return replyError(421, '4.4.2 Connection closed');
  }
  log.error({ err, ...context }, 'smtp: our own failure, answered with a temporary error');
  return isStorageFull(err) ? replyError(452, NO_STORAGE_TEXT) : replyError(451, OUR_FAILURE_TEXT);
}
