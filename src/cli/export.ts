// `postern export ADDRESS DIR --format maildir|mbox` (or `--all DIR`, one folder per account): an
// account's folders with flags and keywords, in the formats `postern import` reads, with progress.
// Exit 1 when the account does not exist or DIR is not empty.
import fs from 'node:fs';
import path from 'node:path';
import { EXPORT_USAGE } from './usage.ts';
import { flagString, parseArgs } from './args.ts';
import { withStore } from './context.ts';
import { OperationError, UsageError } from './errors.ts';
import { emit, table, type Output } from './output.ts';
import { createProgress } from './progress.ts';
import { normalizeAddress } from '../store/addresses.ts';
import type { Store } from '../store/api.ts';
import { exportAccount } from '../export/account.ts';
import { MaildirWriter } from '../export/maildir.ts';
import { MboxWriter } from '../export/mbox.ts';

export async function exportCommand(argv: string[], o: Output): Promise<void> {
  const args = parseArgs(argv, { format: true, all: false });
  const all = args.flags.has('all');
  if (args.positionals.length !== (all ? 1 : 2)) throw new UsageError(`usage: ${EXPORT_USAGE}`);
  const format = flagString(args, 'format');
  if (format !== 'maildir' && format !== 'mbox') throw new UsageError(`--format must be maildir or mbox\nusage: ${EXPORT_USAGE}`);
  const address = all ? null : normalizeAddress(args.positionals[0]!);
  if (!all && !address) throw new UsageError(`"${args.positionals[0]}" is not an email address`);
  const dir = path.resolve(args.positionals.at(-1)!);
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) throw new OperationError(`${dir} is not empty; export into a new folder`);

  await withStore(args, async (store) => {
    const accounts = all ? await store.accounts.list() : [await store.accounts.byAddress(address!)].filter((a) => a !== null);
    if (accounts.length === 0) throw new OperationError(all ? 'there are no accounts to export' : `no account ${address}`);
    const progress = createProgress({ label: `exporting to ${dir}`, total: await messageCount(store, accounts.map((a) => a.id)), unit: 'messages' });
    const rows: { address: string; mailboxes: number; messages: number; dropped_keywords: string[] }[] = [];
    for (const account of accounts) {
      const target = all ? path.join(dir, account.address) : dir;
      fs.mkdirSync(target, { recursive: true, mode: 0o700 });
      const writer = format === 'maildir' ? new MaildirWriter(target) : new MboxWriter(target);
      const result = await exportAccount(store, account.id, writer, () => progress.tick());
      rows.push({ address: account.address, ...result, dropped_keywords: writer instanceof MaildirWriter ? [...writer.dropped] : [] });
    }
    progress.done();
    const dropped = rows.flatMap((r) => r.dropped_keywords);
    const warning = dropped.length ? `\nKeywords beyond 26 in one folder do not fit Maildir's letters and were left out: ${dropped.join(', ')}` : '';
    emit(o, { dir, format, accounts: rows }, `Exported to ${dir} (${format}).\n${table(rows, ['address', 'mailboxes', 'messages'])}${warning}`);
  });
}

async function messageCount(store: Store, accountIds: number[]): Promise<number> {
  let n = 0;
  for (const id of accountIds) for (const box of await store.mailboxes.list(id)) n += box.messages;
  return n;
}
