// The MTA-STS policy file served at https://mta-sts.DOMAIN/.well-known/mta-sts.txt (RFC 8461 §3.2),
// and the policy id published in the `_mta-sts` TXT record. What must always be true: the id changes
// whenever the policy text changes (RFC 8461 §3.1: senders refetch only when the id changes), and
// max_age stays within the RFC's bound.
import { createHash } from 'node:crypto';

export type MtaStsMode = 'testing' | 'enforce' | 'none';

export interface MtaStsPolicy {
  mode: MtaStsMode;
  /** MX host patterns this domain's mail may be delivered to (Postern's own hostname). */
  mx: string[];
  maxAgeS: number;
}

// RFC 8461 §3.2: max_age is at most 31557600 seconds (about one year).
export const MTA_STS_MAX_AGE_LIMIT_S = 31_557_600;

export function buildMtaStsPolicy(policy: MtaStsPolicy): string {
  const maxAge = Math.max(0, Math.min(Math.floor(policy.maxAgeS), MTA_STS_MAX_AGE_LIMIT_S));
  // RFC 8461 §3.2: key/value pairs separated by CRLF; "mx" repeats once per pattern.
  const lines = ['version: STSv1', `mode: ${policy.mode}`, ...policy.mx.map((mx) => `mx: ${mx}`), `max_age: ${maxAge}`];
  return lines.join('\r\n') + '\r\n';
}

/** RFC 8461 §3.1: id is 1–32 alphanumeric characters; a digest of the policy changes with it. */
export function mtaStsPolicyId(policyText: string): string {
  return createHash('sha256').update(policyText).digest('hex').slice(0, 20);
}

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
