// What our outbound MX connections found about TLS, kept for the daily TLS-RPT reports (RFC 8460).
// Counted in memory and written to the store in one transaction per flush, so delivery pays no
// extra commit per connection. Always true: a session counts as a success only when TLS was
// established; a failure is counted only when TLS was required (MTA-STS enforce) and not
// established, under the RFC 8460 §4.3 result type that the error names; a crash loses at most
// the counts since the last flush (reports are statistics, not mail).
import type { Store } from '../store/api.ts';
import type { TlsResultRow } from '../store/tls-results.ts';
import type { MtaStsPolicy } from './mta-sts.ts';

/** RFC 8460 §4.3.2 result types for a failed TLS negotiation, from the error we saw. */
export function tlsResultType(error: string): string {
  if (/CERT_HAS_EXPIRED|certificate has expired/i.test(error)) return 'certificate-expired';
  if (/ALTNAME|does not match|Hostname\/IP/i.test(error)) return 'certificate-host-mismatch';
  if (/self.signed|unable to (get|verify)|UNABLE_TO|not trusted|unknown ca/i.test(error)) return 'certificate-not-trusted';
  if (/STARTTLS|TLS required/i.test(error)) return 'starttls-not-supported';
  return 'validation-failure';
}

export const utcDay = (ms: number): number => Math.floor(ms / 86400_000);

export class TlsResultLog {
  private pending = new Map<string, TlsResultRow>();

  /** One connection to `mxHost` at `ip` for `domain`: established TLS, or the reason it did not. */
  note(now: number, domain: string, policy: MtaStsPolicy | null, mxHost: string, ip: string, outcome: { tls: boolean; error?: string }): void {
    const policyType = policy && policy.mode !== 'none' ? 'sts' as const : 'no-policy-found' as const;
    let resultType: string;
    if (outcome.tls) resultType = '';
    else if (policy?.mode === 'enforce' && outcome.error) resultType = tlsResultType(outcome.error);
    else return;
    const policyText = policy ? JSON.stringify({ mode: policy.mode, mx: policy.mx, max_age: policy.maxAgeS }) : '';
    const row: TlsResultRow = { day: utcDay(now), domain, policyType, policy: policyText, mxHost, receivingIp: ip, resultType, count: 1 };
    const key = [row.day, domain, policyType, mxHost, ip, resultType].join('\0');
    const had = this.pending.get(key);
    if (had) had.count++;
    else this.pending.set(key, row);
  }

  /** Connections noted since the last flush. */
  get pendingConnections(): number {
    let n = 0;
    for (const row of this.pending.values()) n += row.count;
    return n;
  }

  async flush(store: Store): Promise<void> {
    if (this.pending.size === 0) return;
    const rows = [...this.pending.values()];
    this.pending = new Map();
    await store.tlsResults.add(rows);
  }
}
