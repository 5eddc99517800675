// Recipient resolution: which account(s) an address delivers to. Order of lookup: an exact alias,
// then an account, then the same two for the address without its +tag (plus-addressing), then the
// domain's catch-all alias ('@domain'). Aliases may point at aliases; loops and fan-out are bounded.
// Alias targets outside our domains are returned as forwards (sent on through the queue with SRS).
import type { Store } from '../store/api.ts';
import { normalizeAddress, domainOf } from '../store/addresses.ts';

export type Resolution =
  | { kind: 'local'; accountIds: number[]; forwards: string[] }
  | { kind: 'unknown-user' }
  | { kind: 'not-local' }
  | { kind: 'invalid' };

/** Alias expansion depth and width; beyond them an alias is a configuration loop. */
const MAX_ALIAS_DEPTH = 8;
const MAX_ALIAS_TARGETS = 1000;

export async function resolveRecipient(store: Store, address: string): Promise<Resolution> {
  const normalized = normalizeAddress(address);
  if (!normalized) return { kind: 'invalid' };
  if (!(await store.domains.isLocal(domainOf(normalized)))) return { kind: 'not-local' };
  const found = new Set<number>();
  const forwards = new Set<string>();
  await expand(store, normalized, 0, found, new Set(), forwards);
  if (found.size === 0 && forwards.size === 0) return { kind: 'unknown-user' };
  return { kind: 'local', accountIds: [...found].sort((a, b) => a - b), forwards: [...forwards] };
}

/** Strips a +tag from the local part: 'user+tag@d' → 'user@d'; null when there is none. */
export function withoutTag(address: string): string | null {
  const at = address.lastIndexOf('@');
  const plus = address.indexOf('+');
  if (plus <= 0 || plus > at) return null;
  return address.slice(0, plus) + address.slice(at);
}

async function expand(store: Store, address: string, depth: number, found: Set<number>, seen: Set<string>, forwards: Set<string>): Promise<void> {
  if (depth > MAX_ALIAS_DEPTH || seen.has(address) || seen.size > MAX_ALIAS_TARGETS) return;
  seen.add(address);
  const candidates = [address];
  const untagged = withoutTag(address);
  if (untagged) candidates.push(untagged);
  for (const candidate of candidates) {
    const targets = await store.aliases.targets(candidate);
    if (targets.length > 0) {
      for (const t of targets) await expandTarget(store, t, depth, found, seen, forwards);
      return;
    }
    const account = await store.accounts.byAddress(candidate);
    if (account) {
      found.add(account.id);
      return;
    }
  }
  if (depth === 0) {
    const catchAll = await store.aliases.targets(`@${domainOf(address)}`);
    for (const t of catchAll) await expandTarget(store, t, depth, found, seen, forwards);
  }
}

async function expandTarget(store: Store, target: string, depth: number, found: Set<number>, seen: Set<string>, forwards: Set<string>): Promise<void> {
  const normalized = normalizeAddress(target);
  if (!normalized) return;
  if (await store.domains.isLocal(domainOf(normalized))) await expand(store, normalized, depth + 1, found, seen, forwards);
  else if (forwards.size < MAX_ALIAS_TARGETS) forwards.add(normalized);
}
