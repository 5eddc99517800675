// \Recent ownership (RFC 3501 §2.3.2): a message is recent in exactly one session, the first to see
// it. In one process that is the highest UID any session has claimed per mailbox.
// Always true: claim() hands each UID of a mailbox to at most one caller.

export class RecentTracker {
  private readonly claimed = new Map<number, number>();

  /** UIDs (ascending) this caller now owns as \Recent among `uids`. */
  claim(mailboxId: number, uids: readonly number[]): number[] {
    const floor = this.claimed.get(mailboxId) ?? 0;
    const mine = uids.filter((u) => u > floor);
    if (mine.length > 0) this.claimed.set(mailboxId, mine[mine.length - 1]!);
    return mine;
  }

  /** UIDs above this are not yet recent in any session (STATUS RECENT). */
  floor(mailboxId: number): number {
    return this.claimed.get(mailboxId) ?? 0;
  }

  forget(mailboxId: number): void {
    this.claimed.delete(mailboxId);
  }
}
