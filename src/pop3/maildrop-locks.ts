// Exclusive access to a maildrop: RFC 1939 §4 has the server lock the maildrop for the session, and
// RFC 2449 §8.1.1 answers a second session with [IN-USE]. Always true: at most one POP3 session of
// this process holds an account at a time, and the holder's release() frees it exactly once.
// The lock is per process; a multi-node deployment needs it in the shared store instead.

export class MaildropLocks {
  readonly #held = new Set<number>();

  /** The release function, or null when another session holds the account's maildrop. */
  tryAcquire(accountId: number): (() => void) | null {
    if (this.#held.has(accountId)) return null;
    this.#held.add(accountId);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#held.delete(accountId);
    };
  }
}

/** The locks every POP3 listener of this process shares (pop3 and pop3s serve the same maildrops). */
export const processMaildropLocks = new MaildropLocks();
