// What a session's NOTIFY SET asked for (RFC 5465) and the notifications it produces for mailboxes
// other than the selected one: STATUS for MessageNew (MESSAGES UIDNEXT UIDVALIDITY, §5.2),
// MessageExpunge (MESSAGES, and HIGHESTMODSEQ once CONDSTORE is on, §5.3) and FlagChange (UIDVALIDITY
// HIGHESTMODSEQ, §5.1), and LIST for MailboxName (created, \NonExistent when
// deleted, OLDNAME when renamed, §5.4). The selected mailbox's events are the session's to report.
// Always true: changes to one mailbox arriving in one turn of the event loop cost one STATUS (they
// are coalesced), the first group whose filter matches a mailbox decides its events (§6), INBOXES
// is PERSONAL (§6.3: mail may be filed anywhere by Sieve), and lines go out through the session,
// which holds them while a command is writing its own response.
import type { MailboxChange } from '../../store/change-bus.ts';
import type { ImapMailbox } from '../../store/mailbox-views.ts';
import type { NotifyGroup } from '../protocol/notify-arguments.ts';
import type { StatusItem } from '../protocol/status-items.ts';
import { mailboxNameOnWire } from '../protocol/mailbox-name-encoding.ts';
import { statusLine } from './status-line.ts';
import type { ImapSession } from './session.ts';

/** The events Postern can report; the others are refused with NO [BADEVENT] (§3.1). */
export const SUPPORTED_EVENTS = ['MessageNew', 'MessageExpunge', 'FlagChange', 'MailboxName'];

const EVENT_OF: Record<MailboxChange['kind'], string> = { append: 'MessageNew', expunge: 'MessageExpunge', flags: 'FlagChange', mailboxes: 'MailboxName' };

export class Notifier {
  private readonly s: ImapSession;
  private readonly groups: NotifyGroup[];
  /** The SELECTED or SELECTED-DELAYED group, if any. */
  readonly selected: NotifyGroup | null;
  private readonly wantsNames: boolean;
  private names = new Map<number, string>();
  private readonly pending = new Map<number, Set<string>>();
  private namesChanged = false;
  private scheduled = false;
  private flushing: Promise<void> = Promise.resolve();

  constructor(s: ImapSession, groups: NotifyGroup[]) {
    this.s = s;
    this.selected = groups.find((g) => g.filter === 'selected' || g.filter === 'selected-delayed') ?? null;
    this.groups = groups.filter((g) => g !== this.selected);
    this.wantsNames = this.groups.some((g) => g.events.includes('MailboxName'));
  }

  /** Whether the selected mailbox's changes are reported as they happen (SELECTED or -DELAYED with events). */
  get selectedImmediate(): boolean {
    return this.selected !== null && this.selected.events.length > 0;
  }

  /** Whether EXPUNGE may go out unprompted (SELECTED with MessageExpunge; -DELAYED holds it, §6.1.2). */
  get expungeImmediate(): boolean {
    return this.selected?.filter === 'selected' && this.selected.events.includes('MessageExpunge');
  }

  /** Reads what the notifications are diffed against (the mailbox names, for MailboxName). */
  async start(): Promise<void> {
    if (this.wantsNames) this.names = new Map((await this.s.services.mailboxes.list(this.s.account!.id)).map((b) => [b.id, b.name]));
  }

  private async subscribedNames(): Promise<Set<string>> {
    return this.groups.some((g) => g.filter === 'subscribed') ? new Set(await this.s.services.mailboxes.subscriptions(this.s.account!.id)) : new Set();
  }

  private groupFor(name: string, subscribed: Set<string>): NotifyGroup | null {
    for (const g of this.groups) {
      switch (g.filter) {
        case 'personal':
        case 'inboxes':
          return g;
        case 'subscribed':
          if (subscribed.has(name)) return g;
          break;
        case 'mailboxes':
          if (g.mailboxes.includes(name)) return g;
          break;
        case 'subtree':
          if (g.mailboxes.some((m) => name === m || name.startsWith(m + '/'))) return g;
          break;
        default:
          break;
      }
    }
    return null;
  }

  /** The STATUS items the events call for (§5.1–§5.3), in STATUS's usual order. */
  private itemsFor(events: Iterable<string>): StatusItem[] {
    const want = new Set<StatusItem>();
    const condstore = this.s.condstore;
    for (const e of events) {
      if (e === 'MessageNew') ['MESSAGES', 'UIDNEXT', 'UIDVALIDITY'].forEach((i) => want.add(i as StatusItem));
      if (e === 'MessageExpunge') {
        want.add('MESSAGES');
        if (condstore) want.add('HIGHESTMODSEQ');
      }
      // Flag changes show only in HIGHESTMODSEQ; Postern has CONDSTORE, so it is always there.
      if (e === 'FlagChange') ['UIDVALIDITY', 'HIGHESTMODSEQ'].forEach((i) => want.add(i as StatusItem));
    }
    return (['MESSAGES', 'UIDNEXT', 'UIDVALIDITY', 'HIGHESTMODSEQ'] as StatusItem[]).filter((i) => want.has(i));
  }

  /** NOTIFY SET STATUS (§3.1): one STATUS per mailbox with message events, before the tagged OK. */
  async initialStatus(): Promise<string[]> {
    const subscribed = await this.subscribedNames();
    const lines: string[] = [];
    for (const box of await this.s.services.mailboxes.list(this.s.account!.id)) {
      if (this.s.selected?.id === box.id) continue;
      const g = this.groupFor(box.name, subscribed);
      const items = g ? this.itemsFor(g.events) : [];
      const line = items.length > 0 ? await statusLine(this.s, box, items) : null;
      if (line) lines.push(line);
    }
    return lines;
  }

  /** A committed change of this account (from the change bus). */
  changed(change: MailboxChange): void {
    if (change.kind === 'mailboxes') {
      if (!this.wantsNames) return;
      this.namesChanged = true;
    } else {
      if (this.s.selected?.id === change.mailboxId) return;
      let set = this.pending.get(change.mailboxId);
      if (!set) this.pending.set(change.mailboxId, (set = new Set()));
      set.add(EVENT_OF[change.kind]);
    }
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flushing = this.flushing.then(() => this.flush()).catch((err) => this.s.services.log.error({ err }, 'IMAP NOTIFY report failed'));
    });
  }

  private async flush(): Promise<void> {
    if (this.s.isClosed || this.s.notifier !== this) return;
    const pending = [...this.pending];
    this.pending.clear();
    const subscribed = await this.subscribedNames();
    for (const [id, events] of pending) {
      const box = await this.s.services.mailboxes.byId(id);
      if (!box || this.s.selected?.id === id) continue;
      const g = this.groupFor(box.name, subscribed);
      if (!g) continue;
      const items = this.itemsFor([...events].filter((e) => g.events.includes(e)));
      const line = items.length > 0 ? await statusLine(this.s, box, items) : null;
      if (line) this.s.notify(line);
    }
    if (this.namesChanged) {
      this.namesChanged = false;
      for (const line of await this.nameChanges(subscribed)) this.s.notify(line);
    }
  }

  /** LIST lines for mailboxes created, deleted and renamed since the last look (§5.4). */
  private async nameChanges(subscribed: Set<string>): Promise<string[]> {
    const now = new Map<number, ImapMailbox>((await this.s.services.mailboxes.list(this.s.account!.id)).map((b) => [b.id, b]));
    const wire = (name: string) => mailboxNameOnWire(name, this.s.utf8);
    const wants = (name: string) => this.groupFor(name, subscribed)?.events.includes('MailboxName') ?? false;
    const lines: string[] = [];
    for (const [id, old] of this.names) {
      const box = now.get(id);
      if (!box) {
        if (wants(old)) lines.push(`LIST (\\NonExistent) "/" ${wire(old)}`);
      } else if (box.name !== old && (wants(box.name) || wants(old))) {
        lines.push(`LIST () "/" ${wire(box.name)} ("OLDNAME" (${wire(old)}))`);
      }
    }
    for (const [id, box] of now) if (!this.names.has(id) && wants(box.name)) lines.push(`LIST () "/" ${wire(box.name)}`);
    this.names = new Map([...now].map(([id, b]) => [id, b.name]));
    return lines;
  }
}
