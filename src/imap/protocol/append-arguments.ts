// APPEND arguments (RFC 3501 §6.3.11, RFC 3502 MULTIAPPEND, RFC 6855 §4 UTF8 literal). Pure.
// Always true: every message has its content as the exact literal bytes the client sent.

import { ArgumentReader } from './argument-reader.ts';
import { parseDateTime } from './dates.ts';
import { ImapSyntaxError } from './tokens.ts';

export interface AppendMessage {
  flags: string[];
  /** Internal date in ms since the epoch, or null for "now". */
  internalDate: number | null;
  content: Buffer;
}

export interface AppendArguments {
  mailbox: string;
  messages: AppendMessage[];
}

export function parseAppendArguments(r: ArgumentReader, utf8: boolean): AppendArguments {
  const mailbox = r.mailbox(utf8);
  const messages: AppendMessage[] = [];
  do {
    const flags = r.peekList() ? r.flags(false) : [];
    let internalDate: number | null = null;
    const t = r.peek();
    if (t && t.type === 'string' && !t.literal) {
      internalDate = parseDateTime(r.string('date-time').toString('latin1'));
    }
    let content: Buffer;
    if (r.peekAtom() === 'UTF8') {
      r.next('UTF8');
      const inner = r.list('UTF8 literal');
      content = inner.string('message literal');
      inner.end();
    } else {
      const lit = r.next('message literal');
      if (lit.type !== 'string' || !lit.literal) throw new ImapSyntaxError('Message must be sent as a literal');
      content = lit.value;
    }
    messages.push({ flags: [...new Set(flags)], internalDate, content });
  } while (r.more());
  return { mailbox, messages };
}
