// LIST and LSUB arguments (RFC 3501 §6.3.8, RFC 5258 LIST-EXTENDED, RFC 6154 SPECIAL-USE,
// RFC 5819 LIST-STATUS). Pure. Always true: patterns are decoded mailbox names (wildcards kept),
// and RECURSIVEMATCH is only accepted together with another selection option (RFC 5258 §3.1).

import { ArgumentReader, decodeMailboxArgument } from './argument-reader.ts';
import { parseStatusItems, type StatusItem } from './status-items.ts';
import { ImapSyntaxError } from './tokens.ts';

export interface ListArguments {
  /** True when any LIST-EXTENDED syntax was used (changes which attributes are returned). */
  extended: boolean;
  selectSubscribed: boolean;
  selectRemote: boolean;
  selectRecursiveMatch: boolean;
  selectSpecialUse: boolean;
  reference: string;
  patterns: string[];
  returnSubscribed: boolean;
  returnChildren: boolean;
  returnSpecialUse: boolean;
  returnStatus: StatusItem[] | null;
}

function listMailbox(r: ArgumentReader, utf8: boolean): string {
  const t = r.next('mailbox pattern');
  if (t.type === 'list') throw new ImapSyntaxError('Invalid mailbox pattern');
  const raw = t.type === 'atom' ? Buffer.from(t.value, 'latin1') : t.value;
  if (raw.length === 0) return '';
  return decodeMailboxArgument(raw, utf8);
}

export function parseListArguments(r: ArgumentReader, utf8: boolean): ListArguments {
  const args: ListArguments = {
    extended: false,
    selectSubscribed: false,
    selectRemote: false,
    selectRecursiveMatch: false,
    selectSpecialUse: false,
    reference: '',
    patterns: [],
    returnSubscribed: false,
    returnChildren: false,
    returnSpecialUse: false,
    returnStatus: null,
  };
  if (r.peekList()) {
    args.extended = true;
    const sel = r.list('selection options');
    while (sel.more()) {
      const opt = sel.atom('selection option').toUpperCase();
      if (opt === 'SUBSCRIBED') args.selectSubscribed = true;
      else if (opt === 'REMOTE') args.selectRemote = true;
      else if (opt === 'RECURSIVEMATCH') args.selectRecursiveMatch = true;
      else if (opt === 'SPECIAL-USE') args.selectSpecialUse = true;
      else throw new ImapSyntaxError(`Unknown selection option ${opt.slice(0, 40)}`);
    }
    if (args.selectRecursiveMatch && !args.selectSubscribed && !args.selectSpecialUse) {
      throw new ImapSyntaxError('RECURSIVEMATCH needs another selection option');
    }
  }
  args.reference = listMailbox(r, utf8);
  if (r.peekList()) {
    args.extended = true;
    const patterns = r.list('mailbox patterns');
    while (patterns.more()) args.patterns.push(listMailbox(patterns, utf8));
    if (args.patterns.length === 0) throw new ImapSyntaxError('Empty pattern list');
  } else {
    args.patterns.push(listMailbox(r, utf8));
  }
  if (r.peekAtom() === 'RETURN') {
    r.next('RETURN');
    args.extended = true;
    const ret = r.list('return options');
    while (ret.more()) {
      const opt = ret.atom('return option').toUpperCase();
      if (opt === 'SUBSCRIBED') args.returnSubscribed = true;
      else if (opt === 'CHILDREN') args.returnChildren = true;
      else if (opt === 'SPECIAL-USE') args.returnSpecialUse = true;
      else if (opt === 'STATUS' && args.returnStatus === null) args.returnStatus = parseStatusItems(ret.list('status items'));
      else throw new ImapSyntaxError(`Unknown return option ${opt.slice(0, 40)}`);
    }
  }
  r.end();
  return args;
}

/** LSUB reference and pattern (RFC 3501 §6.3.9). */
export function parseLsubArguments(r: ArgumentReader, utf8: boolean): { reference: string; pattern: string } {
  const reference = listMailbox(r, utf8);
  const pattern = listMailbox(r, utf8);
  r.end();
  return { reference, pattern };
}
