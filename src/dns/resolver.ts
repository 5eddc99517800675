// The one resolver: every DNS lookup Postern makes (SPF, DKIM, DMARC, ARC, MX, MTA-STS, `dns check`)
// goes through a Resolver built here from `[dns] servers`, so tests point the whole program at a
// local DNS server and production uses the system's. A lookup either returns records, returns
// "no such record" (empty list), or throws DnsTemporaryError — callers must never turn a temporary
// failure into a permanent verdict.
import { Resolver as NodeResolver } from 'node:dns/promises';
import { isIP } from 'node:net';

export interface MxRecord { exchange: string; priority: number }
export interface SrvRecord { name: string; port: number; priority: number; weight: number }

export interface Resolver {
  mx(name: string): Promise<MxRecord[]>;
  /** Each TXT record's strings joined, as SPF/DKIM/DMARC read them (RFC 7208 §3.3). */
  txt(name: string): Promise<string[]>;
  a(name: string): Promise<string[]>;
  aaaa(name: string): Promise<string[]>;
  /** Takes an IP address or an in-addr.arpa / ip6.arpa name. */
  ptr(addressOrName: string): Promise<string[]>;
  cname(name: string): Promise<string[]>;
  srv(name: string): Promise<SrvRecord[]>;
}

/** A lookup that failed for a reason that may go away (timeout, SERVFAIL, refused). */
export class DnsTemporaryError extends Error {
  readonly code: string;
  constructor(name: string, type: string, code: string) {
    super(`DNS ${type} lookup of ${name} failed temporarily (${code})`);
    this.code = code;
  }
}

// ENOTFOUND is NXDOMAIN and ENODATA is NOERROR with no answer: both are authoritative "none".
const NOT_FOUND = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN']);

export interface ResolverOptions {
  /** "host:port" or "host" entries; empty means the system's resolvers. */
  servers: string[];
  timeoutMs: number;
  tries: number;
  /** How long an answer (including "none") is reused; 0 disables the cache. */
  cacheMs?: number;
  now?: () => number;
}

/** Cached answers kept at most; the oldest go first. */
const CACHE_ENTRIES = 10_000;

export function createResolver(options: ResolverOptions): Resolver {
  const node = new NodeResolver({ timeout: options.timeoutMs, tries: options.tries });
  if (options.servers.length > 0) node.setServers(options.servers.map(toNodeServer));

  // Node's resolver keeps no cache, and SPF/DMARC ask the same few names for every message from a
  // sender domain. Node does not expose TTLs for most types, so answers live for a fixed time,
  // shorter than typical TTLs; temporary failures are never cached.
  const cacheMs = options.cacheMs ?? 0;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { expires: number; value: Promise<unknown[]> }>();

  async function query<T>(type: string, name: string, run: () => Promise<T[]>): Promise<T[]> {
    try {
      return await run();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
      if (NOT_FOUND.has(code)) return [];
      throw new DnsTemporaryError(name, type, code);
    }
  }

  function lookup<T>(type: string, name: string, run: () => Promise<T[]>): Promise<T[]> {
    if (cacheMs <= 0) return query(type, name, run);
    const key = `${type} ${name.toLowerCase()}`;
    const hit = cache.get(key);
    if (hit && hit.expires > now()) return hit.value as Promise<T[]>;
    const value = query(type, name, run);
    cache.delete(key);
    cache.set(key, { expires: now() + cacheMs, value });
    if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
    value.catch(() => cache.delete(key));
    return value;
  }

  return {
    mx: (name) => lookup('MX', name, async () => (await node.resolveMx(name)).map(({ exchange, priority }) => ({ exchange, priority }))),
    txt: (name) => lookup('TXT', name, async () => (await node.resolveTxt(name)).map((parts) => parts.join(''))),
    a: (name) => lookup('A', name, () => node.resolve4(name)),
    aaaa: (name) => lookup('AAAA', name, () => node.resolve6(name)),
    ptr: (x) => lookup('PTR', x, () => node.resolvePtr(isIP(x) ? reverseName(x) : x)),
    cname: (name) => lookup('CNAME', name, () => node.resolveCname(name)),
    srv: (name) => lookup('SRV', name, async () => (await node.resolveSrv(name)).map(({ name: n, port, priority, weight }) => ({ name: n, port, priority, weight }))),
  };
}

// c-ares' reverse() consults /etc/hosts first; DNS PTR must come from the configured servers.
export function reverseName(address: string): string {
  if (isIP(address) === 4) return address.split('.').reverse().join('.') + '.in-addr.arpa';
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const nibbles = groups.map((g) => g.padStart(4, '0')).join('');
  return [...nibbles].reverse().join('.') + '.ip6.arpa';
}

// Node wants IPv6 servers with a port as "[addr]:port"; config may say "::1" or "[::1]:53".
function toNodeServer(server: string): string {
  if (server.startsWith('[') || !server.includes(':')) return server;
  if (server.split(':').length > 2) return `[${server}]`;
  return server;
}

/** An errno-style error without a stack: mailauth reads only its code, and capturing a stack through
 *  the awaits above it cost ~25 µs per "no records" answer, 1.6% of inbound (bench/profiles.md). */
function codedError(message: string, code: string): NodeJS.ErrnoException {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  const err = new Error(message) as NodeJS.ErrnoException;
  Error.stackTraceLimit = limit;
  err.code = code;
  return err;
}

/**
 * The resolver in the shape mailauth takes (`resolver(name, rrtype)`), raising the errno codes
 * mailauth distinguishes: ENOTFOUND/ENODATA for "none", anything else is a temporary error.
 */
export function mailauthResolver(resolver: Resolver) {
  return async (name: string, rrtype: string): Promise<unknown> => {
    const noData = (records: unknown[]) => {
      if (records.length > 0) return records;
      throw codedError(`no ${rrtype} records for ${name}`, 'ENODATA');
    };
    const rethrow = (err: unknown): never => {
      if (err instanceof DnsTemporaryError) throw codedError(err.message, err.code === 'ETIMEOUT' ? 'ETIMEOUT' : 'ESERVFAIL');
      throw err;
    };
    try {
      switch (rrtype.toUpperCase()) {
        case 'TXT': return noData((await resolver.txt(name)).map((s) => [s]));
        case 'MX': return noData(await resolver.mx(name));
        case 'A': return noData(await resolver.a(name));
        case 'AAAA': return noData(await resolver.aaaa(name));
        case 'PTR': return noData(await resolver.ptr(name));
        case 'CNAME': return noData(await resolver.cname(name));
        default: {
          throw codedError(`unsupported rrtype ${rrtype}`, 'ENOTIMP');
        }
      }
    } catch (err) {
      return rethrow(err);
    }
  };
}
