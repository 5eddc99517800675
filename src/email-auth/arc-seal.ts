// ARC sealing of forwarded mail (RFC 8617 §5.1): one new ARC set on top of any existing chain —
// ARC-Authentication-Results with the verdict we reached at delivery, ARC-Message-Signature and
// ARC-Seal — signed with the forwarding domain's RSA DKIM key, through mailauth's sealer. Always
// true: cv= is what our own verification found for the chain (none/pass/fail, §5.1.1); a message
// whose newest seal already says cv=fail, or a domain without an RSA key, is forwarded unsealed
// ("" returned) rather than sealed wrongly.
import { sealMessage } from 'mailauth/lib/arc/index.js';
import type { DkimKey } from '../store/domains.ts';

/** The value of our Authentication-Results field (without its name) from the header block we prepended. */
export function ourAuthenticationResults(prefix: string, hostname: string): string | null {
  const unfolded = prefix.replace(/\r\n[ \t]+/g, ' ');
  for (const line of unfolded.split('\r\n')) {
    const m = /^Authentication-Results:\s*(.*)$/i.exec(line);
    if (m && m[1]!.toLowerCase().startsWith(hostname.toLowerCase())) return m[1]!.trim();
  }
  return null;
}

/** RFC 8617 §5.1.1: the chain validation status to write in cv=, from our arc= verdict. */
export function chainValidation(authResults: string | null): 'none' | 'pass' | 'fail' {
  const arc = authResults ? /\barc=(\w+)/i.exec(authResults)?.[1]?.toLowerCase() : undefined;
  return arc === 'pass' ? 'pass' : arc === 'fail' ? 'fail' : 'none';
}

/** The ARC set to prepend to `message` (CRLF-terminated header lines), or "" when it cannot be sealed. */
export async function arcSeal(message: Buffer, opts: { domain: string; keys: DkimKey[]; authResults: string; cv: 'none' | 'pass' | 'fail'; now: number }): Promise<string> {
  const key = opts.keys.find((k) => k.algorithm === 'rsa-sha256');
  if (!key) return '';
  const headers = await sealMessage(message, {
    signingDomain: opts.domain, selector: key.selector, privateKey: key.privateKeyPem, algorithm: 'rsa-sha256',
    authResults: opts.authResults, cv: opts.cv, signTime: new Date(opts.now),
  } as Parameters<typeof sealMessage>[1]);
  const text = headers.toString('utf8');
  return text.replace(/\r?\n/g, '\r\n');
}
