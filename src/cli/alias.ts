// `postern alias add|list|remove`. '@example.com' as the alias is the domain's catch-all.
import { ALIAS_USAGE } from './usage.ts';
import { parseArgs } from './args.ts';
import { withStore } from './context.ts';
import { OperationError, UsageError } from './errors.ts';
import { emit, table, type Output } from './output.ts';
import { validAddress } from './user.ts';
import { validDomain } from './domain.ts';
import { domainOf } from '../store/addresses.ts';


export async function aliasCommand(argv: string[], o: Output): Promise<void> {
  const args = parseArgs(argv);
  const [verb, aliasText, ...targetTexts] = args.positionals;
  switch (verb) {
    case 'add': {
      if (!aliasText || targetTexts.length === 0) throw new UsageError('usage: postern alias add ALIAS TARGET... (ALIAS "@example.com" is the catch-all)');
      const source = validSource(aliasText);
      const targets = targetTexts.map(validAddress);
      await withStore(args, async (store) => {
        const domain = await store.domains.find(domainOf(source));
        if (!domain) throw new OperationError(`domain ${domainOf(source)} is not served here; add it first with "postern domain add ${domainOf(source)}"`);
        if (!source.startsWith('@') && (await store.accounts.byAddress(source))) {
          throw new OperationError(`${source} is a user; an alias cannot have the same address`);
        }
        await store.aliases.add(domain.id, source, targets);
        const all = await store.aliases.targets(source);
        emit(o, { alias: source, targets: all }, `${source} → ${all.join(', ')}`);
      });
      return;
    }
    case 'list': {
      if (aliasText) throw new UsageError('usage: postern alias list');
      await withStore(args, async (store) => {
        const rows = (await store.aliases.list()).map((a) => ({ alias: a.source, targets: a.targets }));
        emit(o, rows, table(rows, ['alias', 'targets']));
      });
      return;
    }
    case 'remove': {
      if (!aliasText) throw new UsageError('usage: postern alias remove ALIAS [TARGET...]');
      const source = validSource(aliasText);
      const targets = targetTexts.map(validAddress);
      await withStore(args, async (store) => {
        const removed = await store.aliases.remove(source, targets);
        if (removed === 0) throw new OperationError(`no alias ${source}${targets.length ? ` → ${targets.join(', ')}` : ''} (see "postern alias list")`);
        emit(o, { alias: source, removed }, `Removed ${removed} target(s) of ${source}.`);
      });
      return;
    }
    default:
      throw new UsageError(`usage: ${ALIAS_USAGE}`);
  }
}

function validSource(text: string): string {
  return text.startsWith('@') ? `@${validDomain(text.slice(1))}` : validAddress(text);
}
