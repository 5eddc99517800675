// Checking a login, the same way for every protocol: throttle first, then the password.
// A successful verification is remembered as a keyed digest in memory, so a client that opens
// many sessions (Thunderbird: one per folder; IDLE fleets) pays scrypt once, not per session.
// The cache entry is tied to the stored hash, so a password change invalidates it.
import crypto from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Store } from '../store/api.ts';
import { normalizeAddress } from '../store/addresses.ts';
import { hashPassword, verifyPassword } from './password.ts';
import type { LoginThrottle } from './throttle.ts';

export type LoginResult =
  | { ok: true; accountId: number; address: string }
  | { ok: false; reason: 'bad-credentials' | 'throttled' };

const cacheKey = crypto.randomBytes(32);
// Unknown users are checked against this hash, so the answer takes as long as for a real account
// and the timing does not reveal which addresses exist.
let decoy: Promise<string> | null = null;
const verified = new Map<string, string>();
const MAX_CACHED = 100_000;

const UNKNOWN_ACCOUNT_KEY = 'account:unknown';

function throttleKey(account: { id: number } | null): string {
  return account ? `account:${account.id}` : UNKNOWN_ACCOUNT_KEY;
}

function digest(phc: string, password: string): string {
  return crypto.createHmac('sha256', cacheKey).update(phc).update('\0').update(password).digest('base64');
}

export async function authenticate(store: Store, throttle: LoginThrottle, ip: string, username: string, password: string): Promise<LoginResult> {
  const address = normalizeAddress(username);
  const account = address ? await store.accounts.byAddress(address) : null;
  // The throttle counts per account, not per spelling: every name that logs in as this account
  // (trailing dot, case, IDNA-mapped characters in the domain) shares its counter; every name that
  // is no account shares one, so a spray of invented names cannot grow it either.
  const key = throttleKey(account);
  const verdict = await throttle.check(ip, key);
  if (verdict.delayMs > 0) await sleep(verdict.delayMs);
  if (!verdict.allowed) return { ok: false, reason: 'throttled' };
  let good = false;
  if (!account) {
    decoy ??= hashPassword(crypto.randomBytes(16).toString('base64'));
    await verifyPassword(password, await decoy);
  } else {
    const d = digest(account.passwordHash, password);
    good = verified.get(account.address) === d || (await verifyPassword(password, account.passwordHash));
    if (good) {
      if (verified.size >= MAX_CACHED) verified.delete(verified.keys().next().value!);
      verified.set(account.address, d);
    }
  }
  if (!good || !account) {
    await throttle.fail(ip, key);
    return { ok: false, reason: 'bad-credentials' };
  }
  await throttle.succeed(ip, key);
  return { ok: true, accountId: account.id, address: account.address };
}
