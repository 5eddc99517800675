// What may be stored as a Sieve script, decided once for ManageSieve and the CLI: a valid name
// (RFC 5804 §1.6), a script that compiles (RFC 5804 §2.6: PUTSCRIPT checks before storing), and
// the account's limits on the number and total size of its scripts. Always true: a script that
// fails any of these is not stored, and the reason given is the one the user can act on.
import { SIEVE_MAX_NAME_LENGTH, SIEVE_MAX_SCRIPTS, SIEVE_MAX_SCRIPT_BYTES, SIEVE_MAX_STORAGE_BYTES } from '../limits.ts';
import { compileScript } from '../sieve/compile.ts';
import { SieveSyntaxError } from '../sieve/errors.ts';
import type { Store } from '../store/api.ts';

export type ScriptRefusal = { kind: 'bad-name' | 'syntax' | 'quota-maxscripts' | 'quota-maxsize' | 'too-big'; message: string };

/** RFC 5804 §1.6: a name is non-empty UTF-8 without control characters (and here, a bounded length). */
export function checkScriptName(name: string): ScriptRefusal | null {
  // eslint-disable-next-line no-control-regex
  if (name === '' || [...name].length > SIEVE_MAX_NAME_LENGTH || /[\x00-\x1f\x7f\u0080-\u009f\u2028\u2029]/.test(name)) {
    return { kind: 'bad-name', message: `invalid script name (1 to ${SIEVE_MAX_NAME_LENGTH} characters, no control characters)` };
  }
  return null;
}

/** The compile check alone (CHECKSCRIPT): null when the script is valid. */
export function checkScriptText(text: string): ScriptRefusal | null {
  if (Buffer.byteLength(text, 'utf8') > SIEVE_MAX_SCRIPT_BYTES) return { kind: 'too-big', message: `script larger than ${SIEVE_MAX_SCRIPT_BYTES} bytes` };
  try {
    compileScript(text);
    return null;
  } catch (err) {
    if (err instanceof SieveSyntaxError) return { kind: 'syntax', message: err.message };
    throw err;
  }
}

/** RFC 5804 §2.3 HAVESPACE and the quota part of PUTSCRIPT. */
export async function checkSpace(store: Store, accountId: number, name: string, size: number): Promise<ScriptRefusal | null> {
  if (size > SIEVE_MAX_SCRIPT_BYTES) return { kind: 'quota-maxsize', message: `script larger than ${SIEVE_MAX_SCRIPT_BYTES} bytes` };
  const replacing = (await store.sieve.get(accountId, name)) !== null;
  const usage = await store.sieve.usage(accountId, name);
  if (!replacing && usage.scripts >= SIEVE_MAX_SCRIPTS) return { kind: 'quota-maxscripts', message: `at most ${SIEVE_MAX_SCRIPTS} scripts per account` };
  if (usage.bytes + size > SIEVE_MAX_STORAGE_BYTES) return { kind: 'quota-maxsize', message: `scripts may use at most ${SIEVE_MAX_STORAGE_BYTES} bytes per account` };
  return null;
}

/** Checks and stores a script; null on success. */
export async function putScript(store: Store, accountId: number, name: string, text: string): Promise<ScriptRefusal | null> {
  const refusal = checkScriptName(name) ?? checkScriptText(text) ?? (await checkSpace(store, accountId, name, Buffer.byteLength(text, 'utf8')));
  if (refusal) return refusal;
  await store.sieve.put(accountId, name, text);
  return null;
}
