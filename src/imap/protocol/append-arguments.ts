// APPEND arguments (RFC 3501 §6.3.11, RFC 3502 MULTIAPPEND, RFC 6855 §4 UTF8 literal, RFC 4469
// CATENATE). Pure.
// Always true: every message has either its content as the exact literal bytes the client sent, or
// its CATENATE parts in order (text literals as sent, URLs as sent, not yet resolved); a CATENATE
// list is never empty and all the CATENATE parts of one command are at most IMAP_MAX_CATENATE_PARTS.

import { ArgumentReader } from './argument-reader.ts';
import { parseDateTime } from './dates.ts';
import { ImapSyntaxError } from './tokens.ts';
import { IMAP_MAX_CATENATE_PARTS } from '../../limits.ts';

/** One piece of a CATENATE message (RFC 4469 §5): literal text, or an IMAP URL to resolve. */
export type CatenatePart = { kind: 'text'; bytes: Buffer } | { kind: 'url'; url: string };

export interface AppendMessage {
  flags: string[];
  /** Internal date in ms since the epoch, or null for "now". */
  internalDate: number | null;
  /** The literal; empty when the message is built from `catenate`. */
  content: Buffer;
  catenate: CatenatePart[] | null;
}

export interface AppendArguments {
  mailbox: string;
  messages: AppendMessage[];
}

export function parseAppendArguments(r: ArgumentReader, utf8: boolean): AppendArguments {
  const mailbox = r.mailbox(utf8);
  const messages: AppendMessage[] = [];
  let catenateParts = 0;
  do {
    const flags = r.peekList() ? r.flags(false) : [];
    let internalDate: number | null = null;
    const t = r.peek();
    if (t && t.type === 'string' && !t.literal) {
      internalDate = parseDateTime(r.string('date-time').toString('latin1'));
    }
    let content: Buffer = Buffer.alloc(0);
    let catenate: CatenatePart[] | null = null;
    if (r.peekAtom() === 'CATENATE') {
      r.next('CATENATE');
      catenate = [];
      const list = r.list('CATENATE parts');
      // RFC 4469 §5: cat-part = text-literal / url; the list holds at least one.
      do {
        const kind = list.atom('CATENATE part').toUpperCase();
        if (++catenateParts > IMAP_MAX_CATENATE_PARTS) throw new ImapSyntaxError('Too many CATENATE parts', 'LIMIT');
        if (kind === 'TEXT') {
          const lit = list.next('CATENATE text');
          if (lit.type !== 'string' || !lit.literal) throw new ImapSyntaxError('CATENATE TEXT must be a literal');
          catenate.push({ kind: 'text', bytes: lit.value });
        } else if (kind === 'URL') {
          catenate.push({ kind: 'url', url: list.astringBytes('CATENATE URL').toString('utf8') });
        } else {
          throw new ImapSyntaxError('CATENATE parts are TEXT or URL');
        }
      } while (list.more());
    } else if (r.peekAtom() === 'UTF8') {
      r.next('UTF8');
      const inner = r.list('UTF8 literal');
      content = inner.string('message literal');
      inner.end();
    } else {
      const lit = r.next('message literal');
      if (lit.type !== 'string' || !lit.literal) throw new ImapSyntaxError('Message must be sent as a literal');
      content = lit.value;
    }
    messages.push({ flags: [...new Set(flags)], internalDate, content, catenate });
  } while (r.more());
  return { mailbox, messages };
}
