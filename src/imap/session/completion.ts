// Tagged completions (RFC 3501 §7.1) as commands return them, and the user's mistake a command or
// one of its helpers throws (answered NO with a response code, RFC 5530). Which exception becomes
// which reply is the commands' to say: src/imap/commands/error-replies.ts.
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
