// Routes: which recipients go through a configured smarthost instead of their MX. Always true: the
// `[[queue.route]]` entries are tried in the order written and the first match wins; a recipient
// no route matches goes by MX; a route's relay is dialled only with the TLS it names (certificate
// verified) and AUTH only over that TLS; its password is read from its file at each connection, so
// a changed file needs no restart, and never appears in a log or a queue reply.
import fs from 'node:fs';
import { isIP } from 'node:net';
import type { RouteConfig } from '../config/types.ts';
import { parseRelayUrl } from '../config/relay-url.ts';
import { DnsTemporaryError, type Resolver } from '../dns/resolver.ts';

export interface RouteSubject {
  /** Recipient domain (lowercase A-label). */
  domain: string;
  /** Envelope sender, '' for the null sender. */
  sender: string;
  /** The submitting account's address, or null (bounces, forwarded mail). */
  account: string | null;
}

function domainMatches(pattern: string, domain: string): boolean {
  const p = pattern.toLowerCase().replace(/\.$/, '');
  if (p === '*') return true;
  if (p.startsWith('.')) return domain.endsWith(p);
  return domain === p;
}

/** The first route that takes this recipient, or null for MX delivery. */
export function matchRoute(routes: readonly RouteConfig[], subject: RouteSubject): RouteConfig | null {
  const senderDomain = subject.sender.slice(subject.sender.lastIndexOf('@') + 1).toLowerCase();
  for (const route of routes) {
    if (!route.domains.some((d) => domainMatches(d, subject.domain))) continue;
    if (route.sender_domains.length > 0 && !(subject.sender && route.sender_domains.some((d) => domainMatches(d, senderDomain)))) continue;
    if (route.accounts.length > 0 && !(subject.account && route.accounts.some((a) => a.toLowerCase() === subject.account!.toLowerCase()))) continue;
    return route;
  }
  return null;
}

/** How the route is named in replies and logs: the relay URL, never the credentials. */
export function routeLabel(route: RouteConfig): string {
  return `relay ${route.relay}`;
}

export interface RelayTarget {
  host: string;
  port: number;
  addresses: string[];
  tls: RouteConfig['tls'];
  auth?: { user: string; pass: string };
  ca?: Buffer;
}

/** Thrown for what makes a route unusable right now (a file that cannot be read, a name that does not resolve): a temporary failure. */
export class RouteUnavailable extends Error {}

export async function resolveRelay(route: RouteConfig, resolver: Resolver): Promise<RelayTarget> {
  const relay = parseRelayUrl(route.relay)!;
  let addresses: string[];
  if (isIP(relay.host)) addresses = [relay.host];
  else if (relay.host === 'localhost') addresses = ['127.0.0.1'];
  else {
    try {
      addresses = [...(await resolver.a(relay.host)), ...(await resolver.aaaa(relay.host))];
    } catch (err) {
      if (err instanceof DnsTemporaryError) throw new RouteUnavailable(`${routeLabel(route)}: ${err.message}`);
      throw err;
    }
    if (addresses.length === 0) throw new RouteUnavailable(`${routeLabel(route)}: ${relay.host} has no A or AAAA record`);
  }
  const read = (file: string, what: string): Buffer => {
    try {
      return fs.readFileSync(file);
    } catch (err) {
      throw new RouteUnavailable(`${routeLabel(route)}: cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  const target: RelayTarget = { host: relay.host, port: relay.port, addresses, tls: route.tls };
  if (route.auth_user) {
    const pass = read(route.auth_password_file, 'auth_password_file').toString('utf8').split(/\r?\n/)[0]!;
    if (!pass) throw new RouteUnavailable(`${routeLabel(route)}: auth_password_file ${route.auth_password_file} is empty`);
    target.auth = { user: route.auth_user, pass };
  }
  if (route.ca_file) target.ca = read(route.ca_file, 'ca_file');
  return target;
}
