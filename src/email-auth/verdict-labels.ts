// The verification verdict of one inbound message as metric labels for
// postern_verification_verdicts_total. Always true: a verified message yields exactly one spf, one
// dmarc and one arc entry and one dkim entry per signature (`none` when it carries none), so per
// method the counts add up to messages (or signatures) verified; results come from AuthResult's
// fixed set, never from domains.
import type { AuthResult, AuthVerdict } from './verify.ts';

export interface VerdictLabels { method: 'spf' | 'dkim' | 'dmarc' | 'arc'; result: AuthResult }

export function verdictLabels(verdict: AuthVerdict): VerdictLabels[] {
  const dkim: VerdictLabels[] = verdict.dkim.length > 0
    ? verdict.dkim.map((d) => ({ method: 'dkim', result: d.result }))
    // A timed-out check never saw the signatures: its dkim is temperror, as in Authentication-Results.
    : [{ method: 'dkim', result: verdict.timedOut ? 'temperror' : 'none' }];
  return [
    { method: 'spf', result: verdict.spf },
    ...dkim,
    { method: 'dmarc', result: verdict.dmarc?.result ?? (verdict.timedOut ? 'temperror' : 'none') },
    { method: 'arc', result: verdict.arc ?? (verdict.timedOut ? 'temperror' : 'none') },
  ];
}
