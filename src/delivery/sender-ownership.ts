// Which sender addresses a user owns: on submission (RFC 6409 §6.1 leaves the policy to us) and for
// the From of a vacation reply (RFC 5230 §4.3 lets us ignore a :from the user may not use).
// Always true: a user owns their account's address, its +tag forms, and the aliases that name their
// account explicitly among their targets; never an address that only the domain's catch-all
// delivers, and never one that resolves (first) to another account or alias. The lookup order is
// resolveRecipient's, so a name is owned only by whom mail to it reaches first.
import type { Store } from '../store/api.ts';
import { normalizeAddress } from '../store/addresses.ts';
import { withoutTag } from './recipients.ts';

export async function ownsSender(store: Store, accountAddress: string, address: string): Promise<boolean> {
  const normalized = normalizeAddress(address);
  if (!normalized) return false;
  const own = normalizeAddress(accountAddress);
  const candidates = [normalized];
  const untagged = withoutTag(normalized);
  if (untagged) candidates.push(untagged);
  for (const candidate of candidates) {
    const targets = await store.aliases.targets(candidate);
    if (targets.length > 0) return targets.some((t) => normalizeAddress(t) === own);
    if (await store.accounts.byAddress(candidate)) return candidate === own;
  }
  return false;
}
