// What happens to an inbound message given its verification verdict and the `[inbound]` settings.
// Pure. Always true: a temporary failure is never turned into a rejection or into Junk while the
// policy says to defer, and a message is rejected only when its domain's DMARC policy (or the
// operator's spf_fail setting) asks for it.
import type { AuthVerdict } from './verify.ts';

export interface InboundPolicyConfig {
  dmarc_reject: 'reject' | 'junk' | 'accept';
  dmarc_quarantine: 'junk' | 'accept';
  spf_fail: 'junk' | 'accept' | 'reject';
  dns_temperror: 'defer' | 'accept';
}

export type InboundDecision =
  | { kind: 'accept'; reason: string }
  | { kind: 'junk'; reason: string }
  | { kind: 'reject'; code: 550; enhanced: string; text: string; reason: string }
  | { kind: 'defer'; code: 451; enhanced: string; text: string; reason: string };

type Verdict = Pick<AuthVerdict, 'spf' | 'dkim' | 'dmarc' | 'timedOut'>;

export function decideInbound(verdict: Verdict, config: InboundPolicyConfig): InboundDecision {
  const dmarc = verdict.dmarc;
  // A DMARC pass cannot be overturned by the checks that did not finish.
  const passed = dmarc?.result === 'pass';
  const temporary = verdict.timedOut || verdict.spf === 'temperror' || dmarc?.result === 'temperror' ||
    verdict.dkim.some((d) => d.result === 'temperror');
  if (temporary && !passed && config.dns_temperror === 'defer') {
    // RFC 7372 §3.2: X.7.24 is "SPF validation error"; for DKIM/DMARC DNS trouble the generic
    // security code X.7.0 applies.
    const enhanced = verdict.spf === 'temperror' ? '4.7.24' : '4.7.0';
    return { kind: 'defer', code: 451, enhanced, text: 'Temporary DNS failure while verifying the sender, try again later', reason: 'temperror' };
  }
  if (dmarc?.result === 'fail') {
    if (dmarc.policy === 'reject') {
      if (config.dmarc_reject === 'reject') {
        return { kind: 'reject', code: 550, enhanced: '5.7.1', text: `Rejected by the DMARC policy of ${dmarc.domain}`, reason: 'dmarc-reject' };
      }
      if (config.dmarc_reject === 'junk') return { kind: 'junk', reason: 'dmarc-reject' };
      return { kind: 'accept', reason: 'dmarc-reject-accepted' };
    }
    if (dmarc.policy === 'quarantine') {
      return config.dmarc_quarantine === 'junk' ? { kind: 'junk', reason: 'dmarc-quarantine' } : { kind: 'accept', reason: 'dmarc-quarantine-accepted' };
    }
    return { kind: 'accept', reason: 'dmarc-none' };
  }
  // SPF alone decides only when the domain publishes no DMARC policy at all: a domain with a DMARC
  // record has said how failures should be treated.
  const noDmarc = dmarc === null || dmarc.result === 'none';
  if (noDmarc && verdict.spf === 'fail') {
    if (config.spf_fail === 'reject') {
      // RFC 7372 §3.2: X.7.23 "SPF validation failed".
      return { kind: 'reject', code: 550, enhanced: '5.7.23', text: 'SPF check failed for the sender domain', reason: 'spf-fail' };
    }
    if (config.spf_fail === 'junk') return { kind: 'junk', reason: 'spf-fail' };
  }
  return { kind: 'accept', reason: passed ? 'dmarc-pass' : 'no-policy' };
}
