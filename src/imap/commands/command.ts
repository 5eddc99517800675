// Helpers for declaring IMAP commands: the state sets commands are allowed in, and command(),
// which infers a command's argument type from its parse(). The contract itself (Command) is the
// session's, in src/imap/session/command-table.ts.
import type { Command } from '../session/command-table.ts';
import type { SessionState } from '../session/session.ts';

export const ANY_STATE: readonly SessionState[] = ['not-authenticated', 'authenticated', 'selected'];
export const AUTHENTICATED: readonly SessionState[] = ['authenticated', 'selected'];
export const SELECTED: readonly SessionState[] = ['selected'];
export const NOT_AUTHENTICATED: readonly SessionState[] = ['not-authenticated'];

/** Declares a command with its argument type inferred from parse(). */
export function command<A>(c: Command<A>): Command<A> {
  return c;
}
