// STORE arguments (RFC 3501 §6.4.6, RFC 7162 §3.1.3 UNCHANGEDSINCE). Pure.
// Always true: `flags` holds canonical flag spellings and never \Recent.

import { ArgumentReader } from './argument-reader.ts';
import { ImapSyntaxError } from './tokens.ts';
import type { SequenceSet } from './sequence-set.ts';

export interface StoreArguments {
  set: SequenceSet;
  unchangedSince: number | null;
  mode: 'add' | 'remove' | 'replace';
  silent: boolean;
  flags: string[];
}

export function parseStoreArguments(r: ArgumentReader): StoreArguments {
  const set = r.sequenceSet();
  let unchangedSince: number | null = null;
  if (r.peekList()) {
    const mods = r.list('store modifiers');
    while (mods.more()) {
      const name = mods.atom('store modifier').toUpperCase();
      if (name !== 'UNCHANGEDSINCE' || unchangedSince !== null) throw new ImapSyntaxError(`Unknown store modifier ${name}`);
      unchangedSince = mods.modseq('UNCHANGEDSINCE value');
    }
  }
  const m = /^([+-]?)FLAGS(\.SILENT)?$/i.exec(r.atom('store data item'));
  if (!m) throw new ImapSyntaxError('Invalid store data item');
  const mode = m[1] === '+' ? 'add' : m[1] === '-' ? 'remove' : 'replace';
  const flags = r.flags(true);
  r.end();
  return { set, unchangedSince, mode, silent: m[2] !== undefined, flags: [...new Set(flags)] };
}
