// Counting open connections per client and in total for one listener, at accept — before any TLS
// handshake, so a client that never finishes one is counted like any other. Clients are keyed by
// clientKey (IPv6 by /prefix). Always true: a connection is counted at most once and released at
// most once (the ticket's release is idempotent), so the counts never drift below zero or leak when
// a connection is refused.
import { clientKey } from './client-address.ts';

export type Admission =
  | { admitted: true; release: () => void }
  | { admitted: false; reason: 'total' | 'per-ip' };

export interface LimiterOptions {
  maxPerIp: number;
  maxTotal: number;
  ipv6Prefix: number;
}

export class ConnectionLimiter {
  readonly #perClient = new Map<string, number>();
  #total = 0;
  readonly #options: LimiterOptions;

  constructor(options: LimiterOptions) {
    this.#options = options;
  }

  get total(): number {
    return this.#total;
  }

  /** Counts a connection from `ip` if both limits allow it; the caller releases it on close. */
  admit(ip: string): Admission {
    if (this.#total >= this.#options.maxTotal) return { admitted: false, reason: 'total' };
    const key = clientKey(ip, this.#options.ipv6Prefix);
    const current = this.#perClient.get(key) ?? 0;
    if (current >= this.#options.maxPerIp) return { admitted: false, reason: 'per-ip' };
    this.#perClient.set(key, current + 1);
    this.#total++;
    let released = false;
    return {
      admitted: true,
      release: () => {
        if (released) return;
        released = true;
        this.#total--;
        const n = this.#perClient.get(key) ?? 1;
        if (n <= 1) this.#perClient.delete(key);
        else this.#perClient.set(key, n - 1);
      },
    };
  }
}
