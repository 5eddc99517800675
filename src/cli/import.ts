// `postern import ADDRESS PATH`: imports a Maildir (with its Maildir++ folders) or an mbox file into
// an account, through the one delivery function, showing progress. Exit 1 when the account does not
// exist, the path is neither format, or the account runs out of quota part-way (what was imported
// before stays).
import { IMPORT_USAGE } from './usage.ts';
import fs from 'node:fs';
import { parseArgs, expectPositionals, flagString } from './args.ts';
import { withStore } from './context.ts';
import { OperationError, UsageError } from './errors.ts';
import { emit, table, type Output } from './output.ts';
import { createProgress } from './progress.ts';
import { normalizeAddress } from '../store/addresses.ts';
import { OverQuotaError } from '../delivery/deliver.ts';
import { countMaildir, isMaildir, readMaildir } from '../import/maildir.ts';
import { readMbox, type MboxProgress } from '../import/mbox.ts';
import { importMessages } from '../import/importer.ts';


export async function importCommand(argv: string[], o: Output): Promise<void> {
  const args = parseArgs(argv, { format: true, into: true });
  const [address, path] = expectPositionals(args, 2, 2, IMPORT_USAGE) as [string, string];
  const format = flagString(args, 'format');
  if (format !== undefined && !['maildir', 'mboxrd', 'mboxo'].includes(format)) throw new UsageError(`--format must be maildir, mboxrd or mboxo\nusage: ${IMPORT_USAGE}`);
  const into = flagString(args, 'into');
  const normalized = normalizeAddress(address);
  if (!normalized) throw new UsageError(`"${address}" is not an email address`);
  if (!fs.existsSync(path)) throw new OperationError(`${path} does not exist`);
  const maildir = format === 'maildir' || (format === undefined && (await isMaildir(path)));
  if (!maildir && !fs.statSync(path).isFile()) throw new OperationError(`${path} is neither a Maildir (no cur/ or new/) nor an mbox file`);

  await withStore(args, async (store) => {
    const account = await store.accounts.byAddress(normalized);
    if (!account) throw new OperationError(`no account ${normalized} (add it with "postern user add ${normalized}")`);
    let result;
    try {
      if (maildir) {
        const progress = createProgress({ label: `importing ${path}`, total: await countMaildir(path), unit: 'messages' });
        result = await importMessages(store, account.id, readMaildir(path), { ...(into ? { into } : {}), onMessage: () => progress.tick() });
        progress.done();
      } else {
        const bytes: MboxProgress = { bytesRead: 0 };
        const progress = createProgress({ label: `importing ${path}`, total: fs.statSync(path).size, unit: 'bytes' });
        let shown = 0;
        const advance = () => { progress.tick(bytes.bytesRead - shown); shown = bytes.bytesRead; };
        const source = readMbox(path, format === 'mboxo' ? 'mboxo' : 'mboxrd', bytes);
        result = await importMessages(store, account.id, source, { ...(into ? { into } : {}), onMessage: advance });
        advance();
        progress.done();
      }
    } catch (err) {
      if (err instanceof OverQuotaError) throw new OperationError(`${normalized} is over quota; the messages before that point were imported`);
      if (err instanceof Error && /not an mbox/.test(err.message)) throw new OperationError(err.message);
      throw err;
    }
    const rows = Object.entries(result.perMailbox).map(([mailbox, messages]) => ({ mailbox, messages }));
    emit(o, { address: normalized, total: result.total, mailboxes: rows }, `Imported ${result.total} messages into ${normalized}.\n${table(rows, ['mailbox', 'messages'])}`);
  });
}
