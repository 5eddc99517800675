// `postern sieve list|get|put|activate|deactivate|delete`: an account's Sieve scripts from the
// command line, with the same checks as ManageSieve's PUTSCRIPT (a script that does not compile
// is refused with its line and column, and nothing is stored).
import fs from 'node:fs';
import { SIEVE_USAGE } from './usage.ts';
import { parseArgs, expectPositionals } from './args.ts';
import { withStore } from './context.ts';
import { OperationError, UsageError } from './errors.ts';
import { emit, table, type Output } from './output.ts';
import { validAddress } from './user.ts';
import type { Store } from '../store/api.ts';
import { putScript } from '../managesieve/script-policy.ts';
import { SieveScriptActiveError, SieveScriptNotFoundError } from '../store/sieve.ts';

async function accountOf(store: Store, user: string): Promise<number> {
  const account = await store.accounts.byAddress(validAddress(user));
  if (!account) throw new OperationError(`no user ${user} (see "postern user list")`);
  return account.id;
}

export async function sieveCommand(argv: string[], o: Output): Promise<void> {
  const args = parseArgs(argv);
  const [verb, ...rest] = args.positionals;
  args.positionals = rest;
  switch (verb) {
    case 'list': {
      const [user] = expectPositionals(args, 1, 1, 'postern sieve list USER');
      await withStore(args, async (store) => {
        const rows = (await store.sieve.list(await accountOf(store, user!))).map((s) => ({ name: s.name, active: s.active, bytes: s.size }));
        emit(o, rows, table(rows.map((r) => ({ ...r, active: r.active ? 'yes' : '' })), ['name', 'active', 'bytes']));
      });
      return;
    }
    case 'get': {
      const [user, name] = expectPositionals(args, 2, 2, 'postern sieve get USER NAME');
      await withStore(args, async (store) => {
        const script = await store.sieve.get(await accountOf(store, user!), name!);
        if (script === null) throw new OperationError(`${user} has no script "${name}" (see "postern sieve list ${user}")`);
        emit(o, { name, script }, script.replace(/\r\n/g, '\n').replace(/\n$/, ''));
      });
      return;
    }
    case 'put': {
      const [user, name, file] = expectPositionals(args, 3, 3, 'postern sieve put USER NAME FILE (- reads standard input)');
      const text = (file === '-' ? fs.readFileSync(0, 'utf8') : readFile(file!)).replace(/\r?\n/g, '\r\n');
      await withStore(args, async (store) => {
        const refusal = await putScript(store, await accountOf(store, user!), name!, text);
        if (refusal) throw new OperationError(`script "${name}" refused: ${refusal.message}`);
        emit(o, { name, stored: true }, `Stored script "${name}" for ${user}${''} (activate it with "postern sieve activate ${user} ${name}").`);
      });
      return;
    }
    case 'activate': {
      const [user, name] = expectPositionals(args, 2, 2, 'postern sieve activate USER NAME');
      await withStore(args, async (store) => {
        try {
          await store.sieve.setActive(await accountOf(store, user!), name!);
        } catch (err) {
          if (err instanceof SieveScriptNotFoundError) throw new OperationError(`${user} has no script "${name}"`);
          throw err;
        }
        emit(o, { name, active: true }, `Script "${name}" is now active for ${user}.`);
      });
      return;
    }
    case 'deactivate': {
      const [user] = expectPositionals(args, 1, 1, 'postern sieve deactivate USER');
      await withStore(args, async (store) => {
        await store.sieve.setActive(await accountOf(store, user!), null);
        emit(o, { active: null }, `No script is active for ${user}; mail goes to INBOX.`);
      });
      return;
    }
    case 'delete': {
      const [user, name] = expectPositionals(args, 2, 2, 'postern sieve delete USER NAME');
      await withStore(args, async (store) => {
        try {
          await store.sieve.delete(await accountOf(store, user!), name!);
        } catch (err) {
          if (err instanceof SieveScriptNotFoundError) throw new OperationError(`${user} has no script "${name}"`);
          if (err instanceof SieveScriptActiveError) throw new OperationError(`"${name}" is the active script; run "postern sieve deactivate ${user}" first`);
          throw err;
        }
        emit(o, { name, deleted: true }, `Deleted script "${name}" of ${user}.`);
      });
      return;
    }
    default:
      throw new UsageError(`usage: ${SIEVE_USAGE}`);
  }
}

function readFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new OperationError(`cannot read ${file}: ${(err as Error).message}`);
  }
}
