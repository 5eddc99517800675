// bench/spam-replay: the accuracy half of bench/spam without the server, for choosing the filter's
// parameters quickly. The same corpus half in the same arrival order goes through the same pure
// functions the server uses (src/spam tokens, reputation, classifier, verdict) with the account's
// counts held in memory; each message is trained on arrival as delivery trains it (learnedOnArrival),
// and a misfiled one is refiled by the "user" (retrained as its true class), as bench/spam does over IMAP.
// Always true: only the split given is read, so tuning on "tune" never sees a "test" message.
// As in bench/spam, no SPF or DKIM passes and the client is loopback (no IP signals). The figures
// to report come from bench/spam on the "test" half, over real sockets. --junk is the junk score,
// --params overrides src/spam/classifier.ts CLASSIFIER_PARAMS (JSON), --verbose lists each
// misfiled message with its reasons, --explain also its strongest spam and ham clues with the
// counts they were judged on (ham/spam), --curve what other junk scores would have given.
//   . scripts/node24.sh && node bench/spam-replay.ts [--split tune] [--warmup 500] [--junk 5] [--params '{"strength":0.45}'] [--verbose] [--explain] [--curve]
import { parseArgs } from 'node:util';
import { indexMessage } from '../src/mime/index.ts';
import { SPAM_MIN_TRAINED, SPAM_URL_SCAN_BYTES } from '../src/limits.ts';
import { tokenKey, tokensOf } from '../src/spam/tokens.ts';
import { classify, CLASSIFIER_PARAMS, tokenProbability } from '../src/spam/classifier.ts';
import { judgeReputation } from '../src/spam/reputation.ts';
import { signalsOf } from '../src/spam/signals.ts';
import { combine, learnedOnArrival } from '../src/spam/verdict.ts';
import { fromAddressOf } from '../src/spam/filter.ts';
import { linksToSender } from '../src/spam/links-to-sender.ts';
import type { ReputationRow, Signal } from '../src/store/spam.ts';
import { loadCorpus, type Group, type Split } from './spam-corpus.ts';

const { values } = parseArgs({ options: { split: { type: 'string', default: 'tune' }, warmup: { type: 'string', default: '500' }, junk: { type: 'string', default: '5' }, verbose: { type: 'boolean', default: false }, explain: { type: 'boolean', default: false }, params: { type: 'string', default: '{}' }, curve: { type: 'boolean', default: false } } });
const WARMUP = Number(values.warmup);
const PARAMS = { ...CLASSIFIER_PARAMS, ...JSON.parse(values.params!) };
const NO_CONNECTION = { earlyTalker: false, heloOurs: false, heloBareIp: false, noFcrdns: false };

type Cls = 'ham' | 'spam';
const totals = { ham: 0, spam: 0 };
const tokenCounts = new Map<number, { ham: number; spam: number }>();
const reputation = new Map<string, ReputationRow>();

function adjust(tokens: readonly number[], signals: readonly Signal[], from: Cls | null, to: Cls): void {
  for (const t of tokens) {
    let c = tokenCounts.get(t);
    if (!c) tokenCounts.set(t, (c = { ham: 0, spam: 0 }));
    if (from) c[from] = Math.max(0, c[from] - 1);
    c[to]++;
  }
  for (const [kind, value] of signals) {
    const key = `${kind}\0${value}`;
    let r = reputation.get(key);
    if (!r) reputation.set(key, (r = { kind, value, ham: 0, spam: 0 }));
    if (from) r[from] = Math.max(0, r[from] - 1);
    r[to]++;
  }
  if (from) totals[from]--;
  totals[to]++;
}

/** The strongest clues of a message on the counts it is judged on, as "token(ham/spam)" (before it is trained). */
function explain(names: readonly string[], keys: readonly number[]): string {
  if (totals.ham === 0 || totals.spam === 0) return '';
  const clues = keys.flatMap((k, i) => {
    const c = tokenCounts.get(k);
    const p = c ? tokenProbability(c, totals, PARAMS) : null;
    return p === null || Math.abs(p - 0.5) < PARAMS.minDeviation ? [] : [{ name: names[i]!, p, c: c! }];
  }).sort((a, b) => Math.abs(b.p - 0.5) - Math.abs(a.p - 0.5));
  const list = (side: typeof clues) => side.map((x) => `${x.name}(${x.c.ham}/${x.c.spam})`).join(' ');
  const spammy = clues.filter((x) => x.p > 0.5);
  const hammy = clues.filter((x) => x.p < 0.5);
  return `\n  trained ${totals.ham} ham / ${totals.spam} spam; ${keys.length} tokens, ${clues.length} clues: ${spammy.length} spam, ${hammy.length} ham` +
    `\n  spam: ${list(spammy.slice(0, 16))}\n  ham:  ${list(hammy.slice(0, 8))}`;
}

const corpus = loadCorpus(values.split as Split);
const tally: Record<Group, { n: number; junk: number }> = { easy: { n: 0, junk: 0 }, hard: { n: 0, junk: 0 }, spam: { n: 0, junk: 0 } };
const started = performance.now();
const scores: { group: Group; score: number }[] = [];
let trainedCount = 0;
let tokenMs = 0;
corpus.forEach((s, i) => {
  const raw = Buffer.from(s.raw, 'latin1');
  const t0 = performance.now();
  const indexed = indexMessage(raw);
  const names = tokensOf({ headerText: indexed.headerText, searchText: indexed.searchText, head: raw.subarray(0, SPAM_URL_SCAN_BYTES) });
  const tokens = names.map(tokenKey);
  tokenMs += performance.now() - t0;
  const from = fromAddressOf(indexed.from);
  const signals = signalsOf({ from, dkimPass: [], spfPass: null, ip: '127.0.0.1' });
  const rows = signals.map(([kind, value]) => reputation.get(`${kind}\0${value}`)).filter((r) => r !== undefined);
  const rep = judgeReputation(rows);
  let classifier = null;
  if (rep.kind === 'inconclusive') {
    const counts = new Map<number, { ham: number; spam: number }>();
    for (const t of tokens) {
      const c = tokenCounts.get(t);
      if (c && c.ham + c.spam > 0) counts.set(t, { ...c });
    }
    classifier = classify({ totals: { ...totals }, counts }, tokens, SPAM_MIN_TRAINED, PARAMS);
  }
  const clues = values.explain ? explain(names, tokens) : '';
  const verdict = combine({ reputation: rep, classifier, linksToSender: linksToSender(from, names), connection: NO_CONNECTION, rspamd: null, blocklists: [], allowlists: [] }, { junk: Number(values.junk), reject: 0 });
  const junked = verdict.action !== 'inbox';
  const filed: Cls = junked ? 'spam' : 'ham';
  const truth: Cls = s.group === 'spam' ? 'spam' : 'ham';
  // Trained on arrival unless the verdict was sure; the user's refiling trains what was misfiled.
  const learned = learnedOnArrival(junked ? 'junk' : 'inbox', verdict);
  if (learned) adjust(tokens, signals, null, learned);
  if (learned !== truth && filed !== truth) adjust(tokens, signals, learned, truth);
  if (learned || filed !== truth) trainedCount++;
  if (i >= WARMUP) {
    tally[s.group].n++;
    if (junked) tally[s.group].junk++;
    scores.push({ group: s.group, score: verdict.score });
    if ((values.verbose || values.explain) && filed !== truth) console.log(`${s.group} ${s.file} ${verdict.score} ${verdict.reasons.join('; ')}${clues}`);
  }
});
const pct = (x: { n: number; junk: number }) => (x.n ? (100 * x.junk / x.n).toFixed(2) : '-');
const rows: [string, string | number][] = [
  ['split', values.split!],
  ['messages (arrival order)', corpus.length],
  ['counted after the first', WARMUP],
  ['spam caught (spam in Junk) %', pct(tally.spam)],
  ['easy ham in Junk %', pct(tally.easy)],
  ['hard ham in Junk %', pct(tally.hard)],
  ['counted spam / easy / hard', `${tally.spam.n} / ${tally.easy.n} / ${tally.hard.n}`],
  ['distinct tokens after the replay', tokenCounts.size],
  ['messages trained', trainedCount],
  ['trained as ham / spam at the end', `${totals.ham} / ${totals.spam}`],
  ['parse + tokenise ms per message', (tokenMs / corpus.length).toFixed(2)],
  ['replay s', ((performance.now() - started) / 1000).toFixed(1)],
];
for (const [k, v] of rows) console.log(`${k.padEnd(44)} ${v}`);
if (values.curve) {
  // What other junk thresholds would have given on these scores (approximate: training followed the one used).
  for (let t = 0; t <= 8; t += 0.5) {
    const at = (g: Group) => { const all = scores.filter((x) => x.group === g); return (100 * all.filter((x) => x.score >= t).length / Math.max(1, all.length)).toFixed(2); };
    console.log(`junk at ${t.toFixed(1)}: spam ${at('spam')} easy ${at('easy')} hard ${at('hard')}`);
  }
}
