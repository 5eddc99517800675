// What a `[[queue.route]]` entry must say to be usable, checked when the configuration loads so a
// bad route stops `serve` instead of deferring mail. Always true of an accepted route: its relay is
// "smtp://host:port"; AUTH is configured only with TLS (a password never crosses the wire in
// clear, RFC 4954 §4); tls = "none" only to a loopback relay; a password comes from a file.
import { isIP } from 'node:net';
import type { RouteConfig } from './types.ts';

export interface RelayAddress { host: string; port: number }

/** "smtp://host:port" (host may be "[v6]"), or null. */
export function parseRelayUrl(text: string): RelayAddress | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (url.protocol !== 'smtp:' || !url.hostname || !url.port || url.username || url.password || (url.pathname && url.pathname !== '/') || url.search) return null;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(url.port) };
}

export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

export function checkRoute(route: RouteConfig, at: string, error: (message: string) => Error): void {
  const relay = parseRelayUrl(route.relay);
  if (!relay) throw error(`${at}.relay: expected "smtp://host:port", got ${JSON.stringify(route.relay)}`);
  if (route.domains.length === 0) throw error(`${at}.domains: name at least one domain, or "*" for every domain`);
  if (route.tls === 'none' && !isLoopbackHost(relay.host)) throw error(`${at}.tls: "none" is only allowed for a loopback relay; use "starttls" or "implicit"`);
  if (route.auth_user && route.tls === 'none') throw error(`${at}.auth_user: AUTH needs TLS (tls = "starttls" or "implicit"), so the password is never sent in clear`);
  if (route.auth_user && !route.auth_password_file) throw error(`${at}.auth_password_file: required with auth_user (the password lives in its own file, not in the configuration)`);
  if (!route.auth_user && route.auth_password_file) throw error(`${at}.auth_user: required with auth_password_file`);
}
