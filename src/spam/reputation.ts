// Reputation before content: the account's own history with a sender decides when it is clear
// (mox's approach). Pure: counters in, verdict out. Always true: signals are read from the most
// specific (a correspondent the user wrote to, the exact From address) to the least (the /21 the
// client connects from); the first clear one decides; an unverified domain can condemn but never
// vouch (anyone can put any domain in From), so only the address, a DKIM or SPF pass, or a reply
// makes a sender trusted; a first-time sender is "inconclusive" and judged by content and lists.
import type { ReputationRow } from '../store/spam.ts';

export type ReputationVerdict =
  | { kind: 'inconclusive' }
  | { kind: 'ham' | 'spam'; signal: string; value: string; ham: number; spam: number };

interface Rule { kind: string; minCount: number; mayVouch: boolean }

// Order and evidence needed per signal kind: the more specific, the less history it needs.
const RULES: Rule[] = [
  { kind: 'replied', minCount: 1, mayVouch: true },
  { kind: 'from', minCount: 2, mayVouch: true },
  { kind: 'dkim', minCount: 3, mayVouch: true },
  { kind: 'spf', minCount: 3, mayVouch: true },
  { kind: 'domain', minCount: 3, mayVouch: false },
  { kind: 'ip32', minCount: 2, mayVouch: false },
  { kind: 'ip64', minCount: 2, mayVouch: false },
  { kind: 'org', minCount: 4, mayVouch: false },
  { kind: 'ip26', minCount: 3, mayVouch: false },
  { kind: 'ip48', minCount: 3, mayVouch: false },
  { kind: 'ip21', minCount: 5, mayVouch: false },
  { kind: 'ip6_32', minCount: 5, mayVouch: false },
];

/** The share of one class that makes a signal clear. */
const CLEAR = 0.8;

export function judgeReputation(rows: readonly ReputationRow[]): ReputationVerdict {
  for (const rule of RULES) {
    for (const r of rows) {
      if (r.kind !== rule.kind) continue;
      const n = r.ham + r.spam;
      if (n < rule.minCount) continue;
      if (r.spam / n >= CLEAR) return { kind: 'spam', signal: r.kind, value: r.value, ham: r.ham, spam: r.spam };
      if (rule.mayVouch && r.ham / n >= CLEAR) return { kind: 'ham', signal: r.kind, value: r.value, ham: r.ham, spam: r.spam };
    }
  }
  return { kind: 'inconclusive' };
}
