// LIST (RFC 3501 §6.3.8 with LIST-EXTENDED RFC 5258, SPECIAL-USE RFC 6154, LIST-STATUS RFC 5819)
// and LSUB (§6.3.9). "*" matches across levels, "%" within one; INBOX matches case-insensitively.
// Subscriptions are names (RFC 3501 §6.3.6): a subscribed name without a mailbox is listed by
// LIST (SUBSCRIBED) as \NonExistent (RFC 5258 §3.4) and by LSUB as it is.
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
    const accountId = s.account!.id;
    const boxes = new Map<string, ImapMailbox>((await s.services.mailboxes.list(accountId)).map((b) => [b.name, b]));
    const wantSubscriptions = a.selectSubscribed || a.returnSubscribed;
    const subscribed = new Set(wantSubscriptions ? await s.services.mailboxes.subscriptions(accountId) : []);
    const matchers = a.patterns.map((p) => patternMatcher(a.reference, p));
    const matches = (name: string) => matchers.some((m) => m(name));
    const hasChildren = (name: string) => {
      const prefix = name + '/';
      for (const n of boxes.keys()) if (n.startsWith(prefix)) return true;
      return false;
    };

    // Candidates: every mailbox, and with SUBSCRIBED every subscribed name and (RECURSIVEMATCH)
    // the names above them, which may be reported for their subscribed descendants (§3.5).
    const candidates = new Set(boxes.keys());
    if (a.selectSubscribed) {
      for (const n of subscribed) {
        candidates.add(n);
        if (a.selectRecursiveMatch) for (const p of ancestors(n)) candidates.add(p);
      }
    }
    for (const name of [...candidates].sort(byName)) {
      if (!matches(name)) continue;
      const box = boxes.get(name);
      const isSubscribed = subscribed.has(name);
      let childInfo = false;
      if (a.selectSubscribed && !isSubscribed) {
        // RFC 5258 §3.5: a name that fails the selection is still returned, with CHILDINFO, when a
        // descendant meets it that the patterns do not return by themselves.
        if (!a.selectRecursiveMatch) continue;
        const prefix = name + '/';
        childInfo = [...subscribed].some((n) => n.startsWith(prefix) && !matches(n));
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
      if (a.returnStatus && box) s.untagged(await statusLine(s, box, a.returnStatus));
    }
    return ok('LIST completed');
  },
});

export const lsub = command({
  states: AUTHENTICATED,
  parse: (r, s) => parseLsubArguments(r, s.utf8),
  async run(s, a) {
    const subscribed = new Set(await s.services.mailboxes.subscriptions(s.account!.id));
    const match = patternMatcher(a.reference, a.pattern);
    // RFC 3501 §6.3.9: with "%", a name above a subscribed one that is not itself subscribed is
    // returned with \Noselect.
    const lines = new Map<string, string>();
    for (const name of subscribed) {
      if (match(name)) lines.set(name, '');
      else if (a.pattern.includes('%')) {
        for (const p of ancestors(name)) if (!subscribed.has(p) && match(p) && !lines.has(p)) lines.set(p, '\\Noselect');
      }
    }
    for (const name of [...lines.keys()].sort(byName)) s.untagged(`LSUB (${lines.get(name)}) "/" ${mailboxNameOnWire(name, s.utf8)}`);
    return ok('LSUB completed');
  },
});
