// LIST (RFC 3501 §6.3.8 with LIST-EXTENDED RFC 5258, SPECIAL-USE RFC 6154, LIST-STATUS RFC 5819)
// and LSUB (§6.3.9). "*" matches across levels, "%" within one; INBOX matches case-insensitively.
import { command, AUTHENTICATED } from './command.ts';
import { ok } from '../session/completion.ts';
import { parseListArguments, parseLsubArguments } from '../protocol/list-arguments.ts';
import { mailboxNameOnWire } from '../protocol/mailbox-name-encoding.ts';
import type { ImapMailbox } from '../../store/imap-mailboxes.ts';
import { statusLine } from './status.ts';
import { patternMatcher } from '../protocol/mailbox-pattern.ts';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { IMAP_LIST_YIELD_EVERY, IMAP_MAX_LIST_PATTERNS, IMAP_MAX_MAILBOX_NAME_LENGTH } from '../../limits.ts';
import { ImapSyntaxError } from '../protocol/tokens.ts';

/** The names that are a parent of some mailbox in `boxes` (every proper "/" prefix), computed once
 *  per command so that LIST costs the total length of the names, not their number squared. */
function parentNames(boxes: ImapMailbox[]): Set<string> {
  const parents = new Set<string>();
  for (const b of boxes) {
    for (let i = b.name.indexOf('/'); i > 0; i = b.name.indexOf('/', i + 1)) parents.add(b.name.slice(0, i));
  }
  return parents;
}

/** The client chooses the patterns; their number and length bound what matching them costs. */
function checkPatterns(reference: string, patterns: string[]): void {
  if (patterns.length > IMAP_MAX_LIST_PATTERNS) throw new ImapSyntaxError(`At most ${IMAP_MAX_LIST_PATTERNS} patterns`);
  for (const p of patterns) {
    if (reference.length + p.length > IMAP_MAX_MAILBOX_NAME_LENGTH) throw new ImapSyntaxError('Mailbox pattern too long');
  }
}

function attributes(box: ImapMailbox, parents: Set<string>, subscribed: boolean): string[] {
  const attrs = [parents.has(box.name) ? '\\HasChildren' : '\\HasNoChildren'];
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
    checkPatterns(a.reference, a.patterns);
    const all = await s.services.mailboxes.list(s.account!.id);
    const parents = parentNames(all);
    const subscribedParents = parentNames(all.filter((b) => b.subscribed));
    const matchers = a.patterns.map((p) => patternMatcher(a.reference, p));
    const matches = (name: string) => matchers.some((m) => m(name));
    const showSubscribed = a.selectSubscribed || a.returnSubscribed;
    const ordered = [...all].sort((x, y) => (x.name === 'INBOX' ? -1 : y.name === 'INBOX' ? 1 : x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
    let n = 0;
    for (const box of ordered) {
      if (++n % IMAP_LIST_YIELD_EVERY === 0) await yieldToLoop();
      if (s.isClosed) break;
      if (!matches(box.name)) continue;
      if (a.selectSpecialUse && !box.specialUse) continue;
      if (a.selectSubscribed && !box.subscribed) {
        // RFC 5258 §3.5: RECURSIVEMATCH reports parents of subscribed mailboxes with CHILDINFO.
        if (a.selectRecursiveMatch && subscribedParents.has(box.name)) {
          s.untagged(`LIST () "/" ${mailboxNameOnWire(box.name, s.utf8)} ("CHILDINFO" ("SUBSCRIBED"))`);
        }
        continue;
      }
      s.untagged(`LIST (${attributes(box, parents, showSubscribed).join(' ')}) "/" ${mailboxNameOnWire(box.name, s.utf8)}`);
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
    const parents = parentNames(all);
    checkPatterns(a.reference, [a.pattern]);
    const match = patternMatcher(a.reference, a.pattern);
    let n = 0;
    for (const box of all) {
      if (++n % IMAP_LIST_YIELD_EVERY === 0) await yieldToLoop();
      if (s.isClosed) break;
      if (!box.subscribed || !match(box.name)) continue;
      const attrs = attributes(box, parents, false).filter((x) => x !== '\\HasChildren' && x !== '\\HasNoChildren');
      s.untagged(`LSUB (${attrs.join(' ')}) "/" ${mailboxNameOnWire(box.name, s.utf8)}`);
    }
    return ok('LSUB completed');
  },
});
