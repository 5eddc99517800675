// Fetching and parsing a domain's MTA-STS policy the way a sending MTA does (RFC 8461 §3.3): HTTPS
// to mta-sts.DOMAIN with a certificate valid for that name, no redirects, a bounded body. What must
// always be true: the host name is resolved through the one resolver (never the system's), and
// anything short of a 200 with a bounded body is an error, never an empty policy.
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { Resolver } from '../dns/resolver.ts';
import { isPublicAddress } from '../net/public-address.ts';

// RFC 8461 §3.3 suggests senders limit the policy body; 64 KiB is ample for any real policy.
export const MTA_STS_POLICY_MAX_BYTES = 64 * 1024;

export interface PolicyFetchOptions {
  resolver: Resolver;
  timeoutMs: number;
  /** Extra trusted CA (tests); production uses the system's roots. */
  ca?: string | Buffer;
  /** Port to connect to (tests); 443 otherwise. */
  port?: number;
  /** `[testing] allow_private_mx`: also dial loopback and private addresses (tests only). */
  allowPrivate?: boolean;
}

export function createMtaStsPolicyFetcher(options: PolicyFetchOptions): (domain: string) => Promise<string> {
  const lookup: LookupFunction = (hostname, opts, callback) => {
    Promise.all([options.resolver.a(hostname), options.resolver.aaaa(hostname).catch(() => [] as string[])]).then(([v4, v6]) => {
      const found = [...v4.map((address) => ({ address, family: 4 })), ...v6.map((address) => ({ address, family: 6 }))];
      // The one outbound filter (src/net/public-address.ts), as for MX hosts.
      const all = options.allowPrivate ? found : found.filter((a) => isPublicAddress(a.address));
      if (all.length === 0) {
        const err = Object.assign(new Error(`${hostname} has no public address`), { code: 'ENOTFOUND' }) as NodeJS.ErrnoException;
        callback(err, '', 4);
      } else if ((opts as { all?: boolean }).all) {
        (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, all);
      } else {
        callback(null, all[0]!.address, all[0]!.family);
      }
    }, (err: Error) => callback(err as NodeJS.ErrnoException, '', 4));
  };

  return (domain) => new Promise<string>((resolve, reject) => {
    const host = `mta-sts.${domain}`;
    const req = https.get({
      host, servername: host, port: options.port ?? 443, path: '/.well-known/mta-sts.txt', lookup,
      timeout: options.timeoutMs, ...(options.ca ? { ca: options.ca } : {}),
    }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`HTTP ${res.statusCode} from https://${host}/.well-known/mta-sts.txt`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MTA_STS_POLICY_MAX_BYTES) {
          req.destroy(new Error('policy body too large'));
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timed out fetching https://${host}/.well-known/mta-sts.txt`)));
    req.on('error', reject);
  });
}

export interface MtaStsPolicy { mode: 'testing' | 'enforce' | 'none'; mx: string[]; maxAgeS: number }

/** Parses a fetched policy (used by `dns check`); null when it is not a valid STSv1 policy. */
export function parseMtaStsPolicy(text: string): MtaStsPolicy | null {
  const fields = new Map<string, string[]>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^([a-zA-Z0-9_]+):[ \t]*(.*?)[ \t]*$/.exec(line);
    if (!m) continue;
    const list = fields.get(m[1]!) ?? [];
    list.push(m[2]!);
    fields.set(m[1]!, list);
  }
  const mode = fields.get('mode')?.[0];
  const maxAge = Number(fields.get('max_age')?.[0]);
  if (fields.get('version')?.[0] !== 'STSv1') return null;
  if (mode !== 'testing' && mode !== 'enforce' && mode !== 'none') return null;
  if (!Number.isInteger(maxAge) || maxAge < 0) return null;
  return { mode, mx: fields.get('mx') ?? [], maxAgeS: maxAge };
}
