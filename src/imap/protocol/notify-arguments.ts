// NOTIFY arguments (RFC 5465 §3.1, grammar §8): NONE, or SET [STATUS] with event groups, each a
// mailbox filter and its events. Pure.
// Always true: at most one SELECTED/SELECTED-DELAYED group, and only message events in it (§6.1);
// in it MessageNew and MessageExpunge come together and FlagChange only with both (§5); fetch
// attributes only on MessageNew of that group (§8) and none that would set \Seen; mailbox lists are
// non-empty; the groups and the names they list stay within IMAP_MAX_NOTIFY_GROUPS and
// IMAP_MAX_NOTIFY_MAILBOXES. Event names are kept as sent (an unknown one is NO [BADEVENT], not BAD).
import type { ArgumentReader } from './argument-reader.ts';
import { ImapSyntaxError } from './tokens.ts';
import { fetchSetsSeen, parseItem, type FetchItem } from './fetch-attributes.ts';
import { IMAP_MAX_FETCH_ITEMS, IMAP_MAX_NOTIFY_GROUPS, IMAP_MAX_NOTIFY_MAILBOXES } from '../../limits.ts';

export type NotifyFilter = 'selected' | 'selected-delayed' | 'inboxes' | 'personal' | 'subscribed' | 'subtree' | 'mailboxes';

export interface NotifyGroup {
  filter: NotifyFilter;
  /** The names of SUBTREE and MAILBOXES; empty for the others. */
  mailboxes: string[];
  /** Event names in their RFC spelling when known ("MessageNew"), else as sent; empty for NONE. */
  events: string[];
  /** MessageNew's fetch attributes (selected groups only), or null. */
  fetch: FetchItem[] | null;
}

export type NotifyArguments = { kind: 'none' } | { kind: 'set'; status: boolean; groups: NotifyGroup[] };

const EVENTS = ['MessageNew', 'MessageExpunge', 'FlagChange', 'AnnotationChange', 'MailboxName', 'SubscriptionChange',
  'MailboxMetadataChange', 'ServerMetadataChange'];
const CANONICAL = new Map(EVENTS.map((e) => [e.toUpperCase(), e]));
const MESSAGE_EVENTS = new Set(['MessageNew', 'MessageExpunge', 'FlagChange', 'AnnotationChange']);
const FILTERS = new Set<string>(['selected', 'selected-delayed', 'inboxes', 'personal', 'subscribed', 'subtree', 'mailboxes']);

export function parseNotifyArguments(r: ArgumentReader, utf8: boolean): NotifyArguments {
  const verb = r.atom('NONE or SET').toUpperCase();
  if (verb === 'NONE') {
    r.end();
    return { kind: 'none' };
  }
  if (verb !== 'SET') throw new ImapSyntaxError('NOTIFY takes NONE or SET');
  let status = false;
  if (r.peekAtom() === 'STATUS') {
    r.next('STATUS');
    status = true;
  }
  const groups: NotifyGroup[] = [];
  let names = 0;
  do {
    if (groups.length >= IMAP_MAX_NOTIFY_GROUPS) throw new ImapSyntaxError(`At most ${IMAP_MAX_NOTIFY_GROUPS} event groups`, 'LIMIT');
    const g = r.list('event group');
    const filterText = g.atom('mailbox filter').toLowerCase();
    if (!FILTERS.has(filterText)) throw new ImapSyntaxError('Unknown mailbox filter');
    const filter = filterText as NotifyFilter;
    const mailboxes: string[] = [];
    if (filter === 'subtree' || filter === 'mailboxes') {
      const one = g.peekList() ? g.list('mailboxes') : null;
      const source = one ?? g;
      do {
        if (++names > IMAP_MAX_NOTIFY_MAILBOXES) throw new ImapSyntaxError(`At most ${IMAP_MAX_NOTIFY_MAILBOXES} mailboxes`, 'LIMIT');
        mailboxes.push(source.mailbox(utf8));
      } while (one !== null && one.more());
    }
    const selected = filter === 'selected' || filter === 'selected-delayed';
    if (selected && groups.some((x) => x.filter === 'selected' || x.filter === 'selected-delayed')) {
      throw new ImapSyntaxError('Only one SELECTED or SELECTED-DELAYED group');
    }
    const events: string[] = [];
    let fetch: FetchItem[] | null = null;
    if (g.peekAtom() === 'NONE') {
      g.next('NONE');
    } else {
      const list = g.list('events');
      if (!list.more()) throw new ImapSyntaxError('Empty event list');
      while (list.more()) {
        const text = list.atom('event');
        const name = CANONICAL.get(text.toUpperCase()) ?? text;
        if (events.includes(name)) throw new ImapSyntaxError(`${name.slice(0, 40)} given twice`);
        events.push(name);
        if (name === 'MessageNew' && list.peekList()) {
          if (!selected) throw new ImapSyntaxError('Fetch attributes belong to the SELECTED group');
          const atts = list.list('fetch attributes');
          fetch = [];
          while (atts.more()) {
            if (fetch.length >= IMAP_MAX_FETCH_ITEMS) throw new ImapSyntaxError('Too many fetch attributes', 'LIMIT');
            fetch.push(parseItem(atts.atom('fetch attribute')));
          }
          if (fetch.length === 0) throw new ImapSyntaxError('Empty fetch attribute list');
          if (fetchSetsSeen(fetch)) throw new ImapSyntaxError('MessageNew fetch attributes must not set \\Seen; use BODY.PEEK');
        }
      }
    }
    g.end();
    if (selected) {
      if (events.some((e) => !MESSAGE_EVENTS.has(e) && CANONICAL.has(e.toUpperCase()))) throw new ImapSyntaxError('Only message events go with SELECTED');
      const has = (e: string) => events.includes(e);
      if (has('MessageNew') !== has('MessageExpunge')) throw new ImapSyntaxError('MessageNew and MessageExpunge go together');
      if ((has('FlagChange') || has('AnnotationChange')) && !has('MessageNew')) throw new ImapSyntaxError('FlagChange needs MessageNew and MessageExpunge');
    }
    groups.push({ filter, mailboxes, events, fetch });
  } while (r.more());
  return { kind: 'set', status, groups };
}
