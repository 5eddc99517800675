// The per-account content classifier: Robinson's token probabilities combined with Fisher's
// chi-square method (Gary Robinson, "A Statistical Approach to the Spam Problem", 2003; as in
// SpamBayes and bogofilter). Pure: counts in, probability out. Always true: until the account has
// trained SPAM_MIN_TRAINED messages of each class the answer is "inconclusive", never a guess;
// at most SPAM_COMBINED_TOKENS tokens are combined, so the cost does not grow with the message.
import { SPAM_COMBINED_TOKENS, SPAM_MIN_TRAINED } from '../limits.ts';
import type { TokenCounts } from '../store/spam.ts';

export type ClassifierResult =
  | { kind: 'inconclusive'; trained: { ham: number; spam: number } }
  | { kind: 'scored'; probability: number; telling: { token: number; p: number }[] };

export interface ClassifierParams {
  /** Robinson's s: how many messages' worth of weight the prior x has against a token's own counts. */
  strength: number;
  /** Robinson's x: the probability assumed for a token with no history. */
  unknown: number;
  /** Tokens closer than this to 0.5 say nothing and are left out (SpamBayes' minimum_prob_strength). */
  minDeviation: number;
  /** Most telling tokens combined. */
  maxTokens: number;
}

/** The parameters in use, chosen on the "tune" half of the corpus with bench/spam-replay.ts. */
export const CLASSIFIER_PARAMS: ClassifierParams = { strength: 1, unknown: 0.5, minDeviation: 0.1, maxTokens: SPAM_COMBINED_TOKENS };

export function classify(data: TokenCounts, tokens: readonly number[], minTrained = SPAM_MIN_TRAINED, params: ClassifierParams = CLASSIFIER_PARAMS): ClassifierResult {
  const { ham: H, spam: S } = data.totals;
  if (H < minTrained || S < minTrained) return { kind: 'inconclusive', trained: { ham: H, spam: S } };
  const scored: { token: number; p: number }[] = [];
  for (const token of tokens) {
    const c = data.counts.get(token);
    const f = c ? tokenProbability(c, data.totals, params) : null;
    if (f !== null && Math.abs(f - 0.5) >= params.minDeviation) scored.push({ token, p: f });
  }
  scored.sort((x, y) => Math.abs(y.p - 0.5) - Math.abs(x.p - 0.5) || x.token - y.token);
  const used = scored.slice(0, Math.min(params.maxTokens, SPAM_COMBINED_TOKENS));
  if (used.length === 0) return { kind: 'scored', probability: 0.5, telling: [] };
  let lnSpam = 0;
  let lnHam = 0;
  for (const { p } of used) {
    lnHam += Math.log(1 - p);
    lnSpam += Math.log(p);
  }
  // Fisher: -2 Σ ln p is chi-square with 2n degrees of freedom when the p are uniform.
  const spamminess = 1 - chi2Q(-2 * lnHam, 2 * used.length);
  const hamminess = 1 - chi2Q(-2 * lnSpam, 2 * used.length);
  return { kind: 'scored', probability: (1 + spamminess - hamminess) / 2, telling: used.slice(0, 10) };
}

/** Robinson's f(w) of one token from its counts, or null when neither class has it. */
export function tokenProbability(c: { ham: number; spam: number }, totals: { ham: number; spam: number }, params: ClassifierParams = CLASSIFIER_PARAMS): number | null {
  const b = Math.min(1, c.spam / totals.spam);
  const g = Math.min(1, c.ham / totals.ham);
  if (b + g === 0) return null;
  const n = c.ham + c.spam;
  return (params.strength * params.unknown + n * (b / (b + g))) / (params.strength + n);
}

/** P(chi-square with v (even) degrees of freedom ≥ x2). */
export function chi2Q(x2: number, v: number): number {
  const m = x2 / 2;
  let term = Math.exp(-m);
  let sum = term;
  for (let i = 1; i < v / 2; i++) {
    term *= m / i;
    sum += term;
  }
  return Math.min(sum, 1);
}
