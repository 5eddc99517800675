// LIST (RFC 3501 §6.3.8 with LIST-EXTENDED RFC 5258, SPECIAL-USE RFC 6154, LIST-STATUS RFC 5819)
// and LSUB (§6.3.9). "*" matches across levels, "%" within one; INBOX matches case-insensitively.
import { command, AUTHENTICATED } from './command.ts';
import { ok } from '../session/completion.ts';
import { parseListArguments, parseLsubArguments } from '../protocol/list-arguments.ts';
import { mailboxNameOnWire } from '../protocol/mailbox-name-encoding.ts';
import type { ImapMailbox } from '../../store/imap-mailboxes.ts';
import { statusLine } from './status.ts';

/** A matcher for reference + pattern (RFC 3501 §6.3.8: they are simply joined). */
export function patternMatcher(reference: string, pattern: string): (name: string) => boolean {
  let full = reference + pattern;
  if (/^inbox(\/|$)/i.test(full)) full = 'INBOX' + full.slice(5);
  const re = new RegExp('^' + full.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/%/g, '[^/]*') + '$', 's');
  return (name) => re.test(name);
}

function attributes(box: ImapMailbox, all: ImapMailbox[], subscribed: boolean): string[] {
  const hasChildren = all.some((b) => b.name.startsWith(box.name + '/'));
  const attrs = [hasChildren ? '\\HasChildren' : '\\HasNoChildren'];
  if (subscribed && box.subscribed) attrs.push('\\Subscribed');
  if (box.specialUse) attrs.push(box.specialUse);
  return attrs;
}

export const list = command({
  states: AUTHENTICATED,
  parse: (r, s) => parseListArguments(r, s.utf8),
  async run(s, a) {
    if (!a.extended && a.patterns.length === 1 && a.patterns[0] === '') {
      // RFC 3501 §6.3.8: an empty pattern asks for the delimiter.
      s.untagged('LIST (\\Noselect) "/" ""');
      return ok('LIST completed');
    }
    const all = await s.services.mailboxes.list(s.account!.id);
    const matchers = a.patterns.map((p) => patternMatcher(a.reference, p));
    const matches = (name: string) => matchers.some((m) => m(name));
    const showSubscribed = a.selectSubscribed || a.returnSubscribed;
    const ordered = [...all].sort((x, y) => (x.name === 'INBOX' ? -1 : y.name === 'INBOX' ? 1 : x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
    for (const box of ordered) {
      if (!matches(box.name)) continue;
      if (a.selectSpecialUse && !box.specialUse) continue;
      if (a.selectSubscribed && !box.subscribed) {
        // RFC 5258 §3.5: RECURSIVEMATCH reports parents of subscribed mailboxes with CHILDINFO.
        if (a.selectRecursiveMatch && all.some((b) => b.subscribed && b.name.startsWith(box.name + '/'))) {
          s.untagged(`LIST () "/" ${mailboxNameOnWire(box.name, s.utf8)} ("CHILDINFO" ("SUBSCRIBED"))`);
        }
        continue;
      }
      s.untagged(`LIST (${attributes(box, all, showSubscribed).join(' ')}) "/" ${mailboxNameOnWire(box.name, s.utf8)}`);
      if (a.returnStatus) s.untagged(await statusLine(s, box, a.returnStatus));
    }
    return ok('LIST completed');
  },
});

export const lsub = command({
  states: AUTHENTICATED,
  parse: (r, s) => parseLsubArguments(r, s.utf8),
  async run(s, a) {
    const all = await s.services.mailboxes.list(s.account!.id);
    const match = patternMatcher(a.reference, a.pattern);
    for (const box of all) {
      if (!box.subscribed || !match(box.name)) continue;
      const attrs = attributes(box, all, false).filter((x) => x !== '\\HasChildren' && x !== '\\HasNoChildren');
      s.untagged(`LSUB (${attrs.join(' ')}) "/" ${mailboxNameOnWire(box.name, s.utf8)}`);
    }
    return ok('LSUB completed');
  },
});
