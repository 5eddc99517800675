// The shape of one IMAP command: the states it is allowed in, how its arguments parse, and how it
// runs. Parsing is pure; run() talks to the store and returns the tagged completion, queueing any
// untagged data through the session, which alone writes to the connection.
import type { ArgumentReader } from '../protocol/argument-reader.ts';
import type { ParsedCommand } from '../protocol/tokens.ts';
import type { Completion } from '../session/completion.ts';
import type { ImapSession, SessionState } from '../session/session.ts';

export interface Command<A = unknown> {
  states: readonly SessionState[];
  /** RFC 3501 §7.4.1: after FETCH, STORE and SEARCH (not their UID forms) no EXPUNGE may be sent. */
  forbidsExpunge?: (cmd: ParsedCommand) => boolean;
  parse(r: ArgumentReader, s: ImapSession, cmd: ParsedCommand): A;
  run(s: ImapSession, args: A, cmd: ParsedCommand): Promise<Completion>;
}

export const ANY_STATE: readonly SessionState[] = ['not-authenticated', 'authenticated', 'selected'];
export const AUTHENTICATED: readonly SessionState[] = ['authenticated', 'selected'];
export const SELECTED: readonly SessionState[] = ['selected'];
export const NOT_AUTHENTICATED: readonly SessionState[] = ['not-authenticated'];

/** Declares a command with its argument type inferred from parse(). */
export function command<A>(c: Command<A>): Command<A> {
  return c;
}
