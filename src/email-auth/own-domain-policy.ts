// Mail arriving on port 25 whose From: names one of our own domains. Pure. Always true: such mail
// is trusted only when it authenticated as that domain — an SPF pass for an aligned MAIL FROM (or
// HELO for the null sender) or a DKIM pass by an aligned signing domain (RFC 7489 §3.1, relaxed:
// equal or one a subdomain of the other) — whatever DMARC record the operator published, since a
// p=none (or missing) record must not let anyone on the internet write as our users.
import type { AuthVerdict, InboundEnvelope } from './verify.ts';
import type { InboundDecision } from './inbound-policy.ts';

function aligned(a: string, b: string): boolean {
  const x = a.toLowerCase().replace(/\.$/, '');
  const y = b.toLowerCase().replace(/\.$/, '');
  return x === y || x.endsWith(`.${y}`) || y.endsWith(`.${x}`);
}

/** True when the message authenticated as `fromDomain` by SPF or DKIM, aligned. */
export function authenticatedAs(fromDomain: string, verdict: Pick<AuthVerdict, 'spf' | 'dkim' | 'dmarc'>, envelope: Pick<InboundEnvelope, 'mailFrom' | 'helo'>): boolean {
  if (verdict.dmarc?.result === 'pass' && aligned(verdict.dmarc.domain, fromDomain)) return true;
  const spfDomain = envelope.mailFrom ? envelope.mailFrom.slice(envelope.mailFrom.lastIndexOf('@') + 1) : envelope.helo;
  if (verdict.spf === 'pass' && aligned(spfDomain, fromDomain)) return true;
  return verdict.dkim.some((d) => d.result === 'pass' && d.domain !== '' && aligned(d.domain, fromDomain));
}

/**
 * The decision after the own-domain check: `decision` unchanged unless a From: domain in `ownDomains`
 * (those of the message's From: domains that are ours) did not authenticate; then Junk or a refusal.
 * A refusal or deferral already decided stands.
 */
export function decideOwnDomain(decision: InboundDecision, ownDomains: string[], verdict: Pick<AuthVerdict, 'spf' | 'dkim' | 'dmarc'>,
  envelope: Pick<InboundEnvelope, 'mailFrom' | 'helo'>, mode: 'junk' | 'reject'): InboundDecision {
  if (decision.kind === 'reject' || decision.kind === 'defer') return decision;
  if (ownDomains.every((d) => authenticatedAs(d, verdict, envelope))) return decision;
  if (mode === 'reject') {
    return { kind: 'reject', code: 550, enhanced: '5.7.1', text: 'From: names a domain of this server but the message did not authenticate as it', reason: 'own-domain-unauthenticated' };
  }
  return { kind: 'junk', reason: 'own-domain-unauthenticated' };
}
