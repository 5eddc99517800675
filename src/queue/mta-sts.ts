// MTA-STS (RFC 8461) for outbound delivery: discover a recipient domain's policy through the one
// resolver, fetch it over HTTPS, cache it for its max_age in the store (store.shared, so every node
// uses the policy any node fetched), and say which MX hosts may be used and whether TLS is mandatory.
// Always true: a temporary failure (DNS or HTTPS) never removes a cached policy that is still valid
// (§5.1), and without any valid policy delivery goes on as if the domain had none (§5, "senders
// MUST continue"). The one fetcher and the one policy parser here also serve `dns check`, so what
// the check calls valid is what the sending side would apply.
import https from 'node:https';
import { parsePolicy, validateMx } from 'mailauth/lib/mta-sts.js';
import type { Resolver } from '../dns/resolver.ts';
import type { Store } from '../store/api.ts';
import { isPublicAddress } from '../net/public-address.ts';
import { MTA_STS_FETCH_TIMEOUT_MS, MTA_STS_MAX_AGE_S, MTA_STS_MAX_POLICY_BYTES } from '../limits.ts';

export interface MtaStsPolicy {
  id: string;
  mode: 'enforce' | 'testing' | 'none';
  mx: string[];
  maxAgeS: number;
  fetchedAt: number;
}

/** A policy file's fields (§3.2), or null when the text is not a policy a sender may apply. */
export type PolicyFields = Pick<MtaStsPolicy, 'mode' | 'mx' | 'maxAgeS'>;

// §3.2 read strictly (mailauth's parser): version STSv1, a known mode, max_age within 31557600,
// and mx present unless the mode is none.
export function parsePolicyText(text: string): PolicyFields | null {
  try {
    const parsed = parsePolicy(text, { strict: true });
    return { mode: parsed.mode, mx: parsed.mx ?? [], maxAgeS: Math.min(parsed.maxAge ?? 0, MTA_STS_MAX_AGE_S) };
  } catch {
    return null;
  }
}

/** Fetches the policy file text of a domain, throwing on any failure. */
export type PolicyFetcher = (domain: string) => Promise<string>;

// RFC 8461 §3.1: "v=STSv1; id=..." where id is 1-32 alphanumerics.
export function parseStsTxt(records: string[]): string | null {
  const sts = records.filter((r) => /^v=STSv1\s*(;|$)/.test(r));
  if (sts.length !== 1) return null; // §3.1: zero or several records mean no policy
  const m = /(?:^|;)\s*id=([A-Za-z0-9]{1,32})\s*(;|$)/.exec(sts[0]!);
  return m ? m[1]! : null;
}

export class MtaStsPolicies {
  readonly #resolver: Resolver;
  readonly #fetch: PolicyFetcher;
  readonly #store: Pick<Store, 'shared' | 'clock'>;

  constructor(opts: { resolver: Resolver; fetch: PolicyFetcher; store: Pick<Store, 'shared' | 'clock'> }) {
    this.#resolver = opts.resolver;
    this.#fetch = opts.fetch;
    this.#store = opts.store;
  }

  /** The policy to apply to mail for `domain`, or null when it has none we can use. */
  async policyFor(domain: string): Promise<MtaStsPolicy | null> {
    const key = domain.toLowerCase();
    const now = this.#store.clock.now();
    const [text] = await this.#store.shared.cacheGet([`mta-sts:${key}`]);
    const cached = text ? JSON.parse(text) as MtaStsPolicy : null;
    const valid = cached && now < cached.fetchedAt + cached.maxAgeS * 1000 ? cached : null;
    let id: string | null;
    try {
      id = parseStsTxt(await this.#resolver.txt(`_mta-sts.${key}`));
    } catch {
      return valid;
    }
    // §5.1: a removed TXT record does not cancel a cached policy before it expires.
    if (id === null) return valid;
    if (valid && valid.id === id) return valid;
    try {
      const parsed = parsePolicyText(await this.#fetch(key));
      if (!parsed) return valid;
      const policy: MtaStsPolicy = { id, ...parsed, fetchedAt: now };
      if (policy.maxAgeS > 0) await this.#store.shared.cachePut(`mta-sts:${key}`, JSON.stringify(policy), policy.maxAgeS * 1000);
      return policy;
    } catch {
      return valid;
    }
  }
}

/** §4.1: may a host named `mx` be used under this policy? Always true without a policy or in testing/none. */
export function mxPermitted(policy: MtaStsPolicy | null, mx: string): boolean {
  if (!policy || policy.mode !== 'enforce') return true;
  return validateMx(mx, { mode: policy.mode, mx: policy.mx }).valid;
}

/** §4.2: in enforce mode the connection must use TLS with a certificate valid for the MX name. */
export function tlsRequired(policy: MtaStsPolicy | null): boolean {
  return policy?.mode === 'enforce';
}

export interface FetcherOptions {
  resolver: Resolver;
  /** 443 in production; tests point it at a local server. */
  port?: number;
  /** Extra trust anchors (tests); production uses the system's. */
  ca?: string | Buffer;
  timeoutMs?: number;
  /** `[testing] allow_private_mx`: also dial loopback and private addresses (tests only). */
  allowPrivate?: boolean;
}

/**
 * §3.3: GET https://mta-sts.<domain>/.well-known/mta-sts.txt with a certificate valid for that
 * name, no redirects, 200 only. The host is resolved through our resolver and dialled by address.
 */
export function httpsPolicyFetcher(opts: FetcherOptions): PolicyFetcher {
  return async (domain) => {
    const host = `mta-sts.${domain}`;
    const all = [...await opts.resolver.a(host), ...await opts.resolver.aaaa(host).catch(() => [] as string[])];
    if (all.length === 0) throw new Error(`${host} has no address`);
    // The same filter as MX hosts: a policy host named by DNS never makes us dial inside our network.
    const addresses = opts.allowPrivate ? all : all.filter(isPublicAddress);
    if (addresses.length === 0) throw new Error(`${host} resolves only to loopback, private or reserved addresses`);
    return new Promise<string>((resolve, reject) => {
      const req = https.get({
        host: addresses[0], port: opts.port ?? 443, path: '/.well-known/mta-sts.txt', servername: host,
        // The certificate is checked against `servername` (the policy host), not the address dialled.
        headers: { host }, ca: opts.ca, timeout: opts.timeoutMs ?? MTA_STS_FETCH_TIMEOUT_MS, agent: false,
      }, (res) => {
        if (res.statusCode !== 200) { res.resume(); return reject(new Error(`${host} answered HTTP ${res.statusCode}`)); }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MTA_STS_MAX_POLICY_BYTES) { req.destroy(new Error('MTA-STS policy too large')); return; }
          chunks.push(c);
        });
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`fetching the MTA-STS policy of ${domain} timed out`)));
      req.on('error', reject);
    });
  };
}
