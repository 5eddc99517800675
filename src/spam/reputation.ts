// Reputation before content: the account's own history with a sender decides when it is clear
// (mox's approach). Pure: counters in, verdict out. Always true: signals are read from the most
// specific (a correspondent the user wrote to, the exact From address) to the least (the /21 the
// client connects from) and the first clear one decides; a reply, the exact address and a DKIM or
// SPF pass decide either way; the client's networks only condemn; the From domain and its
// organisational domain never decide, they only lean the content score: anyone can put any domain
// in From, and one freemail domain carries the user's friends and its spammers alike (measured in
// bench/spam-replay: deciding by the domain junked every first-time yahoo.com and hotmail.com
// correspondent once spam from those domains had been filed). A From domain whose mail the user
// kept as ham leans towards ham ("kept"): a newsletter sent from a new address each time (the
// corpus's hard ham) is protected by its domain's history, yet its content can still outweigh it.
// A first-time sender is "inconclusive" and judged by content and lists.
import type { ReputationRow } from '../store/spam.ts';

export interface ReputationEvidence { signal: string; value: string; ham: number; spam: number }

export type ReputationVerdict =
  | { kind: 'inconclusive'; lean?: ReputationEvidence; kept?: ReputationEvidence }
  | ({ kind: 'ham' | 'spam' } & ReputationEvidence);

/** What a clear signal may do: decide either way, only condemn, or only lean towards spam. */
type Power = 'decide' | 'condemn' | 'lean';

interface Rule { kind: string; minCount: number; power: Power }

/** The lean towards ham is the From domain's only (an organisational domain holds too many senders: measured, it let spam through). */
const KEPT_KIND = 'domain';

// Order and evidence needed per signal kind: the more specific, the less history it needs.
const RULES: Rule[] = [
  { kind: 'replied', minCount: 1, power: 'decide' },
  { kind: 'from', minCount: 2, power: 'decide' },
  { kind: 'dkim', minCount: 3, power: 'decide' },
  { kind: 'spf', minCount: 3, power: 'decide' },
  { kind: 'domain', minCount: 3, power: 'lean' },
  { kind: 'ip32', minCount: 2, power: 'condemn' },
  { kind: 'ip64', minCount: 2, power: 'condemn' },
  { kind: 'org', minCount: 4, power: 'lean' },
  { kind: 'ip26', minCount: 3, power: 'condemn' },
  { kind: 'ip48', minCount: 3, power: 'condemn' },
  { kind: 'ip21', minCount: 5, power: 'condemn' },
  { kind: 'ip6_32', minCount: 5, power: 'condemn' },
];

/** The share of one class that makes a signal clear. */
const CLEAR = 0.8;

export function judgeReputation(rows: readonly ReputationRow[]): ReputationVerdict {
  let lean: ReputationEvidence | undefined;
  let kept: ReputationEvidence | undefined;
  for (const rule of RULES) {
    for (const r of rows) {
      if (r.kind !== rule.kind) continue;
      const n = r.ham + r.spam;
      if (n < rule.minCount) continue;
      const evidence = { signal: r.kind, value: r.value, ham: r.ham, spam: r.spam };
      const spammy = r.spam / n >= CLEAR;
      if (rule.power === 'lean') {
        if (spammy && !lean) lean = evidence;
        if (r.kind === KEPT_KIND && r.ham / n >= CLEAR && !kept) kept = evidence;
        continue;
      }
      if (spammy) return { kind: 'spam', ...evidence };
      if (rule.power === 'decide' && r.ham / n >= CLEAR) return { kind: 'ham', ...evidence };
    }
  }
  return { kind: 'inconclusive', ...(lean ? { lean } : {}), ...(kept ? { kept } : {}) };
}
