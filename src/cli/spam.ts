// `postern spam explain USER MESSAGE-ID`: why the filter classified a message as it did — the score
// and reasons recorded at delivery, where it went, what it is trained as now, and what the
// account's history says about its sender today.
import { SPAM_USAGE } from './usage.ts';
import { parseArgs, expectPositionals } from './args.ts';
import { withStore } from './context.ts';
import { OperationError, UsageError } from './errors.ts';
import { emit, table, type Output } from './output.ts';
import { normalizeAddress } from '../store/addresses.ts';
import { judgeReputation } from '../spam/reputation.ts';
import type { Signal } from '../store/spam.ts';

export async function spamCommand(argv: string[], o: Output): Promise<void> {
  const args = parseArgs(argv);
  const [verb, ...rest] = args.positionals;
  args.positionals = rest;
  if (verb !== 'explain') throw new UsageError(`usage: ${SPAM_USAGE}`);
  const [user, messageId] = expectPositionals(args, 2, 2, SPAM_USAGE) as [string, string];
  const address = normalizeAddress(user);
  if (!address) throw new UsageError(`"${user}" is not an email address`);
  await withStore(args, async (store) => {
    const account = await store.accounts.byAddress(address);
    if (!account) throw new OperationError(`no user ${address}`);
    const rows = await store.spam.explain(account.id, messageId);
    if (rows.length === 0) throw new OperationError(`no message with Message-ID ${messageId} was judged for ${address}`);
    const totals = await store.spam.totals(account.id);
    const out = [];
    for (const r of rows) {
      const signals = (await store.spam.signalsOf(account.id, r.contentId)) as Signal[];
      const from = signals.find(([k]) => k === 'from')?.[1] ?? null;
      const reputation = await store.spam.reputation(account.id, signals, from);
      out.push({ ...r, receivedAt: new Date(r.receivedAt).toISOString(), reputationNow: judgeReputation(reputation), history: reputation });
    }
    emit(o, { user: address, trained: totals, messages: out }, out.map((m) => [
      `Message-ID <${m.messageId}> received ${m.receivedAt}`,
      `  score ${m.score ?? '-'} → ${m.deliveredTo ?? '-'}; trained now as ${m.trained ?? 'nothing'}${m.wanted !== m.trained ? ` (pending: ${m.wanted ?? 'nothing'})` : ''}`,
      '  reasons:',
      ...m.reasons.map((r) => `    ${r}`),
      `  the sender's history in this account (${m.reputationNow.kind === 'inconclusive' ? 'inconclusive' : `${m.reputationNow.kind} by ${m.reputationNow.signal}`}):`,
      table(m.history.map((h) => ({ ...h })), ['kind', 'value', 'ham', 'spam']).replace(/^/gm, '    '),
      `  classifier: trained ${totals.ham} ham and ${totals.spam} spam in this account`,
    ].join('\n')).join('\n\n'));
  });
}
