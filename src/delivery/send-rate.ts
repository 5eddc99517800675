// Messages each account sent in the last hour, per store, shared by everything that sends for an
// account: both submission listeners and Sieve/alias forwarding, so a forward is not a way around
// `[submission] messages_per_hour`. Always true: the list holds only times within the last hour,
// oldest first.
const HOUR_MS = 3600_000;

const sentTimesByStore = new WeakMap<object, Map<number, number[]>>();

/** The account's send times in the last hour (push `now` onto it to count a new message). */
export function recentSends(store: object, accountId: number, now: number): number[] {
  let sentTimes = sentTimesByStore.get(store);
  if (!sentTimes) { sentTimes = new Map(); sentTimesByStore.set(store, sentTimes); }
  let list = sentTimes.get(accountId);
  if (!list) { list = []; sentTimes.set(accountId, list); }
  // Times are appended in order, so the expired ones are at the front.
  let expired = 0;
  while (expired < list.length && now - list[expired]! >= HOUR_MS) expired++;
  if (expired > 0) list.splice(0, expired);
  return list;
}
