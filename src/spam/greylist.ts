// Greylisting (off by default): a first-time (client network, sender, account) is answered 451 and
// accepted when it retries after [spam] greylist_delay_s. Always true: a sender the account trusts
// by reputation, or whose SPF or DKIM passes for a domain the account already has mail from, is
// never delayed (two-factor codes and signup mail from known services arrive at once).
import { isIP } from 'node:net';
import type { Store } from '../store/api.ts';
import type { AuthVerdict, InboundEnvelope } from '../email-auth/verify.ts';
import type { ReputationVerdict } from './reputation.ts';
import { expandV6, unmapIp } from './signals.ts';

/** A triplet seen once and never retried is forgotten after this long. */
export const GREYLIST_KEEP_MS = 36 * 86_400_000;

export async function greylistExempt(store: Store, accountId: number, reputation: ReputationVerdict, auth: AuthVerdict, env: InboundEnvelope): Promise<boolean> {
  if (reputation.kind === 'ham') return true;
  const domains = auth.dkim.filter((d) => d.result === 'pass').map((d) => d.domain.toLowerCase());
  if (auth.spf === 'pass' && env.mailFrom) domains.push(env.mailFrom.slice(env.mailFrom.lastIndexOf('@') + 1).toLowerCase());
  for (const d of new Set(domains)) if (await store.spam.hasHamFrom(accountId, d)) return true;
  return false;
}

/** Client network (/24, IPv6 /64: senders retry from another address of their pool) and sender. */
export function greylistTriplet(env: InboundEnvelope): string {
  const ip = unmapIp(env.ip);
  const net = isIP(ip) === 4 ? ip.split('.').slice(0, 3).join('.') : (expandV6(ip)?.slice(0, 4).join(':') ?? ip);
  return `${net}|${env.mailFrom.toLowerCase()}`;
}
