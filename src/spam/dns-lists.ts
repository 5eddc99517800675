// DNS blocklists and allowlists (RFC 5782), through the one resolver. Always true: an answer counts
// as a listing only when it is one of the zone's documented listing codes; any other answer —
// Spamhaus' 127.255.255.x for queries through public resolvers or over quota, a resolver's
// NXDOMAIN-rewriting address, 127.0.0.1 — is an error: logged, counted, never a listing. A timeout
// is an error too. An error never makes mail look worse or better.
import { isIP } from 'node:net';
import { DnsTemporaryError, reverseName, type Resolver } from '../dns/resolver.ts';
import { unmapIp } from './signals.ts';
import type { DnsList } from '../config/dns-list-entry.ts';

export type ListAnswer =
  | { kind: 'listed'; zone: string; code: string }
  | { kind: 'not-listed'; zone: string }
  | { kind: 'error'; zone: string; reason: string };

/** The name to look up for an address in a zone (RFC 5782 §2.1 IPv4, §2.4 IPv6 nibbles). */
export function queryName(address: string, zone: string): string | null {
  const ip = unmapIp(address);
  if (!isIP(ip)) return null;
  return `${reverseName(ip).replace(/\.(in-addr|ip6)\.arpa$/, '')}.${zone}`;
}

export async function lookupList(resolver: Resolver, list: DnsList, address: string): Promise<ListAnswer> {
  const name = queryName(address, list.zone);
  if (!name) return { kind: 'error', zone: list.zone, reason: `not an IP address: ${address}` };
  let answers: string[];
  try {
    answers = await resolver.a(name);
  } catch (err) {
    if (err instanceof DnsTemporaryError) return { kind: 'error', zone: list.zone, reason: err.code };
    throw err;
  }
  if (answers.length === 0) return { kind: 'not-listed', zone: list.zone };
  const code = answers.find((a) => list.isListing(a));
  if (code) return { kind: 'listed', zone: list.zone, code };
  return { kind: 'error', zone: list.zone, reason: `answer ${answers.join(',')} is not a listing code (${list.codes})` };
}

/**
 * For `postern dns check`: RFC 5782 §5 says a list lists 127.0.0.2 and not 127.0.0.1. A zone that
 * answers an error code (or nothing) for its test entry answers errors for every query, which is how
 * Spamhaus refuses public and provider resolvers.
 */
export async function checkList(resolver: Resolver, list: DnsList): Promise<{ ok: boolean; found: string; fix?: string }> {
  const listed = await lookupList(resolver, list, '127.0.0.2');
  const clean = await lookupList(resolver, list, '127.0.0.1');
  if (listed.kind === 'error') {
    return { ok: false, found: `test entry 127.0.0.2: ${listed.reason}`, fix: 'the list answers errors: Spamhaus refuses queries from public and provider resolvers; use a local recursive resolver in [dns] servers or a DQS key zone' };
  }
  if (clean.kind === 'error') return { ok: false, found: `127.0.0.1: ${clean.reason}`, fix: 'the list answers errors for addresses it does not list; check [dns] servers' };
  if (clean.kind === 'listed') return { ok: false, found: `127.0.0.1 is listed (${clean.code})`, fix: 'the zone lists everything: remove it or fix the resolver' };
  if (listed.kind === 'not-listed') return { ok: false, found: '127.0.0.2 is not listed', fix: 'the zone does not answer its RFC 5782 test entry: is the zone name right?' };
  return { ok: true, found: `127.0.0.2 listed (${listed.code}), 127.0.0.1 not listed` };
}
