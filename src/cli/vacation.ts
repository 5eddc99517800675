// `postern vacation USER --on|--off`: an away message without writing Sieve. --on writes and
// activates the script of src/sieve/vacation-script.ts (keeping the user's own active script
// running through an include); --off removes it and reactivates the script that was active before.
// An included script that can itself answer with vacation or reject makes a run that executes both
// fail (RFC 5230 §4.7, RFC 5429 §2.1) and fall back to the implicit keep, so --on warns about it.
import fs from 'node:fs';
import { VACATION_USAGE } from './usage.ts';
import { parseArgs, expectPositionals, flagString } from './args.ts';
import { withStore } from './context.ts';
import { OperationError, UsageError } from './errors.ts';
import { emit, type Output } from './output.ts';
import { validAddress } from './user.ts';
import { putScript } from '../managesieve/script-policy.ts';
import { VACATION_SCRIPT_NAME, previousScriptOf, vacationScript } from '../sieve/vacation-script.ts';
import { VACATION_MAX_DAYS } from '../limits.ts';
import { compileScript } from '../sieve/compile.ts';

export async function vacationCommand(argv: string[], o: Output): Promise<void> {
  const args = parseArgs(argv, { on: false, off: false, subject: true, 'message-file': true, until: true, days: true });
  const [userText] = expectPositionals(args, 1, 1, VACATION_USAGE);
  const on = args.flags.has('on');
  const off = args.flags.has('off');
  if (on === off) throw new UsageError(`usage: ${VACATION_USAGE}`);
  const user = validAddress(userText!);
  if (off) {
    await withStore(args, async (store) => {
      const account = await store.accounts.byAddress(user);
      if (!account) throw new OperationError(`no user ${user}`);
      const script = await store.sieve.get(account.id, VACATION_SCRIPT_NAME);
      if (script === null) throw new OperationError(`${user} has no vacation message set by "postern vacation"`);
      const previous = previousScriptOf(script);
      const restore = previous !== null && (await store.sieve.get(account.id, previous)) !== null ? previous : null;
      await store.sieve.setActive(account.id, restore);
      await store.sieve.delete(account.id, VACATION_SCRIPT_NAME);
      emit(o, { user, vacation: false, active: restore }, `Vacation message of ${user} removed${restore ? `; script "${restore}" is active again` : ''}.`);
    });
    return;
  }
  const subject = flagString(args, 'subject');
  const file = flagString(args, 'message-file');
  if (!subject || !file) throw new UsageError(`usage: ${VACATION_USAGE}`);
  const until = flagString(args, 'until') ?? null;
  if (until !== null && (!/^\d{4}-\d{2}-\d{2}$/.test(until) || Number.isNaN(Date.parse(until)))) throw new UsageError('--until takes a date as YYYY-MM-DD (the last day of the absence)');
  const daysText = flagString(args, 'days') ?? '7';
  const days = Number(daysText);
  if (!Number.isInteger(days) || days < 1 || days > VACATION_MAX_DAYS) throw new UsageError(`--days takes a whole number of days from 1 to ${VACATION_MAX_DAYS}`);
  let message: string;
  try {
    message = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new OperationError(`cannot read ${file}: ${(err as Error).message}`);
  }
  await withStore(args, async (store) => {
    const account = await store.accounts.byAddress(user);
    if (!account) throw new OperationError(`no user ${user}`);
    const active = await store.sieve.active(account.id);
    const existing = await store.sieve.get(account.id, VACATION_SCRIPT_NAME);
    // Turning it on again keeps the script that was active before the first --on.
    const previous = active && active.name !== VACATION_SCRIPT_NAME ? active.name : existing ? previousScriptOf(existing) : null;
    const script = vacationScript({ subject, message: message.replace(/\r?\n/g, '\r\n'), days, until, previous });
    const refusal = await putScript(store, account.id, VACATION_SCRIPT_NAME, script);
    if (refusal) throw new OperationError(`vacation script refused: ${refusal.message}`);
    await store.sieve.setActive(account.id, VACATION_SCRIPT_NAME);
    const conflicts = previous ? conflictingActions(await store.sieve.get(account.id, previous)) : [];
    const warning = conflicts.length > 0
      ? `script "${previous}" uses ${conflicts.join(' and ')}: a message for which it runs ${conflicts.length > 1 ? 'one of them' : 'it'} gets no vacation reply and is kept in INBOX unfiltered (two vacations, or vacation with reject, is an error); remove ${conflicts.length > 1 ? 'them' : 'it'} from "${previous}" while away`
      : null;
    if (warning && !o.json) o.err(`warning: ${warning}`);
    emit(o, { user, vacation: true, until, days, previous, warning }, `Vacation message on for ${user}${until ? ` until ${until}` : ''}: one reply per sender every ${days} day(s)${previous ? `; script "${previous}" keeps running` : ''}.`);
  });
}

/** The extensions of `script` whose actions cannot run beside the vacation script's (RFC 5230 §4.7, RFC 5429 §2.1). */
function conflictingActions(script: string | null): string[] {
  if (script === null) return [];
  try {
    const { extensions } = compileScript(script);
    return ['vacation', 'reject', 'ereject'].filter((e) => extensions.has(e));
  } catch {
    return [];
  }
}
