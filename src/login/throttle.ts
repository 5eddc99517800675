// Throttling of failed logins, shared by every protocol and by every node of the store: each
// failure from an IP or for an account adds a progressive delay to the next attempt; max_failures
// within the window locks that IP or account out for lockout_s. A success clears the account's
// counter (not the IP's: one valid account must not launder guesses against others from the same
// address). IPv6 clients are counted by their /ipv6Prefix (64 by default), as the connection
// limits do, so a host cannot reset its counter by changing address within its subnet.
// The counts and lockouts live in the store (store.shared: a windowed counter per key, a cached
// lockout entry that expires), so a lockout counted on one node holds on all of them. The check
// runs on every login: one counter read and one cache read, issued together.
import type { SharedState } from '../store/api.ts';
import { IPV6_CLIENT_PREFIX, LOGIN_DELAY_STEP_MS, LOGIN_MAX_DELAY_MS } from '../limits.ts';
import { clientKey } from '../net/client-address.ts';

export interface ThrottleOptions { maxFailures: number; lockoutS: number; ipv6Prefix?: number }

export interface ThrottleVerdict {
  allowed: boolean;
  /** Wait this long before answering (progressive delay), even when allowed. */
  delayMs: number;
}

/** Failures are counted over this sliding window (to one bucket, 15 s). */
const WINDOW_MS = 15 * 60 * 1000;

const failures = (key: string) => `login-failures:${key}`;
const lockout = (key: string) => `login-lockout:${key}`;

export class LoginThrottle {
  private readonly shared: SharedState;
  private readonly options: ThrottleOptions;

  constructor(shared: SharedState, options: ThrottleOptions) {
    this.shared = shared;
    this.options = options;
  }

  async check(ip: string, user: string): Promise<ThrottleVerdict> {
    const keys = this.keys(ip, user);
    const [locks, counts] = await Promise.all([this.shared.cacheGet(keys.map(lockout)), this.shared.countSum(keys.map(failures))]);
    if (locks.some((l) => l !== null)) return { allowed: false, delayMs: LOGIN_MAX_DELAY_MS };
    return { allowed: true, delayMs: Math.min(LOGIN_MAX_DELAY_MS, Math.max(...counts) * LOGIN_DELAY_STEP_MS) };
  }

  /** Counts a failure for the IP and the account; reaching max_failures locks the key out and
   *  starts its count again, so after the lockout the next failures count from zero. */
  async fail(ip: string, user: string): Promise<void> {
    for (const key of this.keys(ip, user)) {
      const total = await this.shared.countAdd(failures(key), 1, WINDOW_MS);
      if (total >= this.options.maxFailures) {
        await this.shared.cachePut(lockout(key), '1', this.options.lockoutS * 1000);
        await this.shared.countReset(failures(key));
      }
    }
  }

  async succeed(_ip: string, user: string): Promise<void> {
    // A store that cannot write (a full disk) must not stop a good login from reading mail: the
    // earlier failures then stay counted until their window passes, which only errs on the safe side.
    await this.shared.countReset(failures(`user:${user.toLowerCase()}`)).catch(() => {});
  }

  private keys(ip: string, user: string): [string, string] {
    return [`ip:${clientKey(ip, this.options.ipv6Prefix ?? IPV6_CLIENT_PREFIX)}`, `user:${user.toLowerCase()}`];
  }
}
