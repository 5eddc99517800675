// Messages each account sent in the last hour, counted in the store (store.shared) so that every
// node and everything that sends for an account agrees: both submission listeners and Sieve/alias
// forwarding, so a forward is not a way around `[submission] messages_per_hour`, and neither is a
// second node. Always true: the count covers the last hour to one bucket (a minute) of precision.
import type { Store } from '../store/api.ts';

const HOUR_MS = 3600_000;
const counter = (accountId: number) => `sends:${accountId}`;

/** Messages the account sent within the last hour. */
export async function sendsInLastHour(store: Store, accountId: number): Promise<number> {
  const [n] = await store.shared.countSum([counter(accountId)]);
  return n!;
}

/** Gives back a message counted by countSendWithin that was not sent after all. */
export async function uncountSend(store: Store, accountId: number): Promise<void> {
  await store.shared.countAdd(counter(accountId), -1, HOUR_MS);
}

/** Counts one sent message unless the account already sent `limit` within the hour; false then. */
export function countSendWithin(store: Store, accountId: number, limit: number): Promise<boolean> {
  return store.shared.countAddWithin(counter(accountId), HOUR_MS, limit);
}
