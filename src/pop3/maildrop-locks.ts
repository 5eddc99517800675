// Exclusive access to a maildrop: RFC 1939 §4 has the server lock the maildrop for the session, and
// RFC 2449 §8.1.2 answers a second session with [IN-USE]. Always true: at most one POP3 session of
// all the nodes on one store holds an account at a time (a lease of capacity 1 in store.shared),
// and the holder's release() frees it exactly once. A node that dies stops renewing its leases,
// so its maildrops are free again after SHARED_LEASE_TTL_MS.
import type { SharedState } from '../store/api.ts';

export class MaildropLocks {
  readonly #shared: SharedState;

  constructor(shared: SharedState) {
    this.#shared = shared;
  }

  /** The release function, or null when another session holds the account's maildrop. Release
   *  does not wait for the store: if it fails, the lease runs out on its own. */
  async tryAcquire(accountId: number): Promise<(() => void) | null> {
    const lease = await this.#shared.acquire(`pop3-maildrop:${accountId}`, 1);
    if (!lease) return null;
    return () => { lease.release().catch(() => {}); };
  }
}
