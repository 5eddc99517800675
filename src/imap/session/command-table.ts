// The contract between a session and the commands it runs: what one command declares (the states
// it is allowed in, whether it has a UID form, how its arguments parse, how it runs) and the table
// of commands a session is given. Always true: nothing in imap/session/ imports a command; the
// server wiring hands the table in (src/imap/commands/registry.ts builds it), so commands depend on
// the session's types and never the other way round.
import type { ArgumentReader } from '../protocol/argument-reader.ts';
import type { ParsedCommand } from '../protocol/tokens.ts';
import type { FetchItem } from '../protocol/fetch-attributes.ts';
import type { Logger } from '../../log.ts';
import type { Completion } from './completion.ts';
import type { ImapSession, SessionState } from './session.ts';

export interface Command<A = unknown> {
  states: readonly SessionState[];
  /** The command has a UID form (RFC 3501 §6.4.8; UID EXPUNGE RFC 4315 §2.1, UID MOVE RFC 6851 §3.2,
   *  UID SORT and UID THREAD RFC 5256 §3); `UID` before any other command is BAD. */
  uid?: true;
  /** RFC 3501 §7.4.1: after FETCH, STORE and SEARCH (not their UID forms) no EXPUNGE may be sent. */
  forbidsExpunge?: (cmd: ParsedCommand) => boolean;
  parse(r: ArgumentReader, s: ImapSession, cmd: ParsedCommand): A;
  run(s: ImapSession, args: A, cmd: ParsedCommand): Promise<Completion>;
}

export interface CommandTable {
  /** The command of an upper-case name (a UID form shares its command's entry). */
  get(name: string): Command<never> | undefined;
  /** The tagged reply for an exception a command's parse or run threw: the one place where errors
   *  become IMAP replies. */
  replyForError(err: unknown, log: Logger, command: string): Completion;
  /** UID FETCH of the range of these new messages (ascending UIDs) with these items, as FETCH
   *  answers it: NOTIFY's MessageNew fetch attributes (RFC 5465 §5.2). */
  fetchNew(s: ImapSession, uids: readonly number[], items: FetchItem[]): Promise<Completion>;
}
