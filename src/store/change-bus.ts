// The change bus: a committed change to a mailbox is published here, after its transaction has
// committed and in commit order, and IMAP/POP3 sessions of that account listen. It is an interface
// so that several Postern nodes can share one (src/store/postgres/change-bus.ts: LISTEN/NOTIFY).
// A change from another node may come without its UIDs (uidsOmitted): the listener then reads what
// changed from the store, so a coalesced or lost notification never loses a change.

export interface MailboxChange {
  accountId: number;
  mailboxId: number;
  kind: 'append' | 'flags' | 'expunge' | 'mailboxes';
  /** UIDs concerned, ascending. Empty for 'mailboxes' (a mailbox was created, renamed or deleted). */
  uids: number[];
  /** The mailbox's highest modseq after the change. */
  modseq: number;
  /** Set when the UIDs were left out (too many for one notification, or a resync after the bus
   *  lost its connection): `uids` is empty and what changed up to `modseq` is to be read from the store. */
  uidsOmitted?: boolean;
}

export type ChangeListener = (change: MailboxChange) => void;

export interface ChangeBus {
  publish(change: MailboxChange): void;
  /** Listen to one account's changes; returns the function that stops listening. */
  subscribe(accountId: number, listener: ChangeListener): () => void;
}

/** The in-process bus: listeners are kept per account so a change costs only that account's sessions. */
export class LocalChangeBus implements ChangeBus {
  private readonly listeners = new Map<number, Set<ChangeListener>>();

  publish(change: MailboxChange): void {
    const set = this.listeners.get(change.accountId);
    if (!set) return;
    for (const listener of [...set]) listener(change);
  }

  /** The accounts that have listeners now. */
  accounts(): number[] {
    return [...this.listeners.keys()];
  }

  subscribe(accountId: number, listener: ChangeListener): () => void {
    let set = this.listeners.get(accountId);
    if (!set) this.listeners.set(accountId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(accountId);
    };
  }
}
