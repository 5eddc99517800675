// Counting open connections per client IP and in total for one listener. Always true: a
// connection is counted at most once and released at most once, so the counts never drift below
// zero or leak when a connection is refused.

export type Admission = { admitted: true } | { admitted: false; reason: 'total' | 'per-ip' };

export class ConnectionLimits {
  readonly #perIp = new Map<string, number>();
  readonly #counted = new Set<string>();
  readonly #maxPerIp: number;
  readonly #maxTotal: number;

  constructor(maxPerIp: number, maxTotal: number) {
    this.#maxPerIp = maxPerIp;
    this.#maxTotal = maxTotal;
  }

  get total(): number {
    return this.#counted.size;
  }

  /** Counts the connection `id` from `ip` if both limits allow it. */
  admit(id: string, ip: string): Admission {
    if (this.#counted.size >= this.#maxTotal) return { admitted: false, reason: 'total' };
    const current = this.#perIp.get(ip) ?? 0;
    if (current >= this.#maxPerIp) return { admitted: false, reason: 'per-ip' };
    this.#perIp.set(ip, current + 1);
    this.#counted.add(`${id} ${ip}`);
    return { admitted: true };
  }

  release(id: string, ip: string): void {
    if (!this.#counted.delete(`${id} ${ip}`)) return;
    const current = this.#perIp.get(ip) ?? 0;
    if (current <= 1) this.#perIp.delete(ip);
    else this.#perIp.set(ip, current - 1);
  }
}
