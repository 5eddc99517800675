// Throttling of failed logins, shared by every protocol: each failure from an IP or for an account
// adds a progressive delay to the next attempt; max_failures within the window locks that IP or
// account out for lockout_s. A success clears the account's counter (not the IP's: one valid
// account must not launder guesses against others from the same address). IPv6 clients are counted
// by their /ipv6Prefix (64 by default), as the connection limits do, so a host cannot reset its
// counter by changing address within its subnet.
import type { Clock } from '../clock.ts';
import { IPV6_CLIENT_PREFIX, LOGIN_DELAY_STEP_MS, LOGIN_MAX_DELAY_MS } from '../limits.ts';
import { clientKey } from '../net/client-address.ts';

export interface ThrottleOptions { maxFailures: number; lockoutS: number; ipv6Prefix?: number }

export interface ThrottleVerdict {
  allowed: boolean;
  /** Wait this long before answering (progressive delay), even when allowed. */
  delayMs: number;
}

interface Entry { failures: number; last: number; lockedUntil: number }

/** Entries older than this without a failure are forgotten. */
const WINDOW_MS = 15 * 60 * 1000;
/** Bound on remembered keys, so a spray of addresses cannot grow memory without end. */
const MAX_ENTRIES = 100_000;

export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();
  private readonly clock: Clock;
  private readonly options: ThrottleOptions;

  constructor(clock: Clock, options: ThrottleOptions) {
    this.clock = clock;
    this.options = options;
  }

  check(ip: string, user: string): ThrottleVerdict {
    const now = this.clock.now();
    const entries = [this.entry(this.ipKey(ip), now), this.entry(`user:${user.toLowerCase()}`, now)];
    if (entries.some((e) => e && e.lockedUntil > now)) return { allowed: false, delayMs: LOGIN_MAX_DELAY_MS };
    const failures = Math.max(0, ...entries.map((e) => e?.failures ?? 0));
    return { allowed: true, delayMs: Math.min(LOGIN_MAX_DELAY_MS, failures * LOGIN_DELAY_STEP_MS) };
  }

  fail(ip: string, user: string): void {
    const now = this.clock.now();
    for (const key of [this.ipKey(ip), `user:${user.toLowerCase()}`]) {
      const e = this.entry(key, now) ?? { failures: 0, last: now, lockedUntil: 0 };
      e.failures++;
      e.last = now;
      if (e.failures >= this.options.maxFailures) e.lockedUntil = now + this.options.lockoutS * 1000;
      this.entries.delete(key);
      this.entries.set(key, e);
    }
    while (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
  }

  succeed(_ip: string, user: string): void {
    this.entries.delete(`user:${user.toLowerCase()}`);
  }

  private ipKey(ip: string): string {
    return `ip:${clientKey(ip, this.options.ipv6Prefix ?? IPV6_CLIENT_PREFIX)}`;
  }

  private entry(key: string, now: number): Entry | undefined {
    const e = this.entries.get(key);
    if (e && e.lockedUntil <= now && now - e.last > WINDOW_MS) {
      this.entries.delete(key);
      return undefined;
    }
    if (e && e.lockedUntil > 0 && e.lockedUntil <= now) {
      e.failures = 0;
      e.lockedUntil = 0;
    }
    return e;
  }
}
