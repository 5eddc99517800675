// The two ways a Sieve script fails: a syntax or validation error found before it runs (refused at
// upload, with the line and column), and a run-time error (the message is kept in INBOX, RFC 5228
// §2.10.6, and the reason logged). Always true: a syntax error's message starts with "line L,
// column C:" so every front end (ManageSieve, CLI) shows the same text.
import type { Position } from './lexer.ts';

export class SieveSyntaxError extends Error {
  readonly pos: Position;
  constructor(message: string, pos: Position) {
    super(`line ${pos.line}, column ${pos.column}: ${message}`);
    this.pos = pos;
  }
}

export class SieveRuntimeError extends Error {}
