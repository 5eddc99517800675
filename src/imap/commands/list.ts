// LIST (RFC 3501 §6.3.8 with LIST-EXTENDED RFC 5258, SPECIAL-USE RFC 6154, LIST-STATUS RFC 5819)
// and LSUB (§6.3.9). "*" matches across levels, "%" within one; INBOX matches case-insensitively.
// Subscriptions are names (RFC 3501 §6.3.6): a subscribed name without a mailbox is listed by
// LIST (SUBSCRIBED) as \NonExistent (RFC 5258 §3.4) and by LSUB as it is. Always true: the cost is
// bounded whatever the client sends — patterns are matched in linear time (mailbox-pattern.ts), their
// number and length are limited, children and CHILDINFO come from sets built once per command (not a
// scan per name), and the loop yields to the event loop every IMAP_LIST_YIELD_EVERY names.
import { command, AUTHENTICATED } from './command.ts';
import { ok } from '../session/completion.ts';
import { parseListArguments, parseLsubArguments } from '../protocol/list-arguments.ts';
import { mailboxNameOnWire } from '../protocol/mailbox-name-encoding.ts';
import type { ImapMailbox } from '../../store/mailbox-views.ts';
import { statusLine } from '../session/status-line.ts';
import { patternMatcher } from '../protocol/mailbox-pattern.ts';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { IMAP_LIST_YIELD_EVERY, IMAP_MAX_LIST_PATTERNS, IMAP_MAX_MAILBOX_NAME_LENGTH } from '../../limits.ts';
import { ImapSyntaxError } from '../protocol/tokens.ts';

/** The client chooses the patterns; their number and length bound what matching them costs. */
function checkPatterns(reference: string, patterns: string[]): void {
  if (patterns.length > IMAP_MAX_LIST_PATTERNS) throw new ImapSyntaxError(`At most ${IMAP_MAX_LIST_PATTERNS} patterns`);
  for (const p of patterns) {
    if (reference.length + p.length > IMAP_MAX_MAILBOX_NAME_LENGTH) throw new ImapSyntaxError('Mailbox pattern too long');
  }
}

/** Names strictly above `name` in the hierarchy ("a/b/c" → "a", "a/b"). */
function ancestors(name: string): string[] {
  const out: string[] = [];
  for (let i = name.indexOf('/'); i > 0; i = name.indexOf('/', i + 1)) out.push(name.slice(0, i));
  return out;
}

function byName(x: string, y: string): number {
  return x === 'INBOX' ? -1 : y === 'INBOX' ? 1 : x < y ? -1 : x > y ? 1 : 0;
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
    const accountId = s.account!.id;
    const boxes = new Map<string, ImapMailbox>((await s.services.mailboxes.list(accountId)).map((b) => [b.name, b]));
    const wantSubscriptions = a.selectSubscribed || a.returnSubscribed;
    const subscribed = new Set(wantSubscriptions ? await s.services.mailboxes.subscriptions(accountId) : []);
    const matchers = a.patterns.map((p) => patternMatcher(a.reference, p));
    const matches = (name: string) => matchers.some((m) => m(name));
    const parents = new Set<string>();
    for (const n of boxes.keys()) for (const p of ancestors(n)) parents.add(p);
    const hasChildren = (name: string) => parents.has(name);

    // Candidates: every mailbox, and with SUBSCRIBED every subscribed name and (RECURSIVEMATCH)
    // the names above them, which may be reported for their subscribed descendants (§3.5).
    const candidates = new Set(boxes.keys());
    if (a.selectSubscribed) {
      for (const n of subscribed) {
        candidates.add(n);
        if (a.selectRecursiveMatch) for (const p of ancestors(n)) candidates.add(p);
      }
    }
    // Names above a subscribed name the patterns do not return (RECURSIVEMATCH's CHILDINFO, §3.5).
    const aboveUnmatched = new Set<string>();
    if (a.selectSubscribed && a.selectRecursiveMatch) {
      for (const n of subscribed) if (!matches(n)) for (const p of ancestors(n)) aboveUnmatched.add(p);
    }
    let seen = 0;
    for (const name of [...candidates].sort(byName)) {
      if (++seen % IMAP_LIST_YIELD_EVERY === 0) await yieldToLoop();
      if (s.isClosed) break;
      if (!matches(name)) continue;
      const box = boxes.get(name);
      const isSubscribed = subscribed.has(name);
      let childInfo = false;
      if (a.selectSubscribed && !isSubscribed) {
        // RFC 5258 §3.5: a name that fails the selection is still returned, with CHILDINFO, when a
        // descendant meets it that the patterns do not return by themselves.
        if (!a.selectRecursiveMatch) continue;
        childInfo = aboveUnmatched.has(name);
        if (!childInfo) continue;
      }
      if (a.selectSpecialUse && !box?.specialUse) continue;
      const attrs: string[] = [];
      if (!box) attrs.push('\\NonExistent');
      else attrs.push(hasChildren(name) ? '\\HasChildren' : '\\HasNoChildren');
      if (wantSubscriptions && isSubscribed) attrs.push('\\Subscribed');
      if (box?.specialUse) attrs.push(box.specialUse);
      const extra = childInfo ? ' ("CHILDINFO" ("SUBSCRIBED"))' : '';
      s.untagged(`LIST (${attrs.join(' ')}) "/" ${mailboxNameOnWire(name, s.utf8)}${extra}`);
      const line = a.returnStatus && box ? await statusLine(s, box, a.returnStatus) : null;
      if (line) s.untagged(line);
    }
    return ok('LIST completed');
  },
});

export const lsub = command({
  states: AUTHENTICATED,
  parse: (r, s) => parseLsubArguments(r, s.utf8),
  async run(s, a) {
    checkPatterns(a.reference, [a.pattern]);
    const subscribed = new Set(await s.services.mailboxes.subscriptions(s.account!.id));
    const match = patternMatcher(a.reference, a.pattern);
    let seen = 0;
    // RFC 3501 §6.3.9: with "%", a name above a subscribed one that is not itself subscribed is
    // returned with \Noselect.
    const lines = new Map<string, string>();
    for (const name of subscribed) {
      if (++seen % IMAP_LIST_YIELD_EVERY === 0) await yieldToLoop();
      if (s.isClosed) break;
      if (match(name)) lines.set(name, '');
      else if (a.pattern.includes('%')) {
        for (const p of ancestors(name)) if (!subscribed.has(p) && match(p) && !lines.has(p)) lines.set(p, '\\Noselect');
      }
    }
    for (const name of [...lines.keys()].sort(byName)) s.untagged(`LSUB (${lines.get(name)}) "/" ${mailboxNameOnWire(name, s.utf8)}`);
    return ok('LSUB completed');
  },
});
