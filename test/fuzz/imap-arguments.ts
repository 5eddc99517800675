// Shared by the IMAP fuzz targets: a command line framed and tokenized as the session does it,
// and a parser run under the rule that only ImapSyntaxError may escape (anything else is a bug).
import assert from 'node:assert/strict';
import { CommandFramer } from '../../src/imap/protocol/command-framer.ts';
import { ArgumentReader } from '../../src/imap/protocol/argument-reader.ts';
import { ImapSyntaxError, parseCommand } from '../../src/imap/protocol/tokens.ts';

/** The arguments of one framed command line, or null when it does not frame or tokenize. */
export function argsOf(line: string): ArgumentReader | null {
  const f = new CommandFramer();
  f.push(Buffer.from(line + '\r\n', 'latin1'));
  const r = f.next();
  if (r.kind !== 'command') return null;
  try {
    return new ArgumentReader(parseCommand(r.command).args);
  } catch (err) {
    assert.ok(err instanceof ImapSyntaxError, String(err));
    return null;
  }
}

/** Runs a parser; only ImapSyntaxError may escape it. */
export function syntaxOnly<T>(parse: () => T): T | null {
  try {
    return parse();
  } catch (err) {
    assert.ok(err instanceof ImapSyntaxError, (err as Error).stack);
    return null;
  }
}
