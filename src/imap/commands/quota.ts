// GETQUOTAROOT and GETQUOTA (RFC 9208, RES-STORAGE in KiB): one quota root "" for an account with a
// quota; an account without one has no quota root (RFC 9208 §7.1: a QUOTA response lists at least
// one resource, so "* QUOTA "" ()" is never sent). SETQUOTA is refused: quotas are set by the operator.
import { command, AUTHENTICATED } from './command.ts';
import { no, ok } from '../session/completion.ts';
import { mailboxNameOnWire } from '../protocol/mailbox-name-encoding.ts';
import type { ImapSession } from '../session/session.ts';

/** The QUOTA response of the account's root, or null when the account has no quota. */
async function quotaLine(s: ImapSession): Promise<string | null> {
  const q = await s.services.mailboxes.quota(s.account!.id);
  if (q.limit <= 0) return null;
  return `QUOTA "" (STORAGE ${Math.ceil(q.used / 1024)} ${Math.floor(q.limit / 1024)})`;
}

export const getquotaroot = command({
  states: AUTHENTICATED,
  parse(r, s) {
    const name = r.mailbox(s.utf8);
    r.end();
    return name;
  },
  async run(s, name) {
    const box = await s.services.mailboxes.byName(s.account!.id, name);
    if (!box) return no('No such mailbox', 'NONEXISTENT');
    const line = await quotaLine(s);
    s.untagged(`QUOTAROOT ${mailboxNameOnWire(box.name, s.utf8)}${line ? ' ""' : ''}`);
    if (line) s.untagged(line);
    return ok('GETQUOTAROOT completed');
  },
});

export const getquota = command({
  states: AUTHENTICATED,
  parse(r) {
    const root = r.astring('quota root');
    r.end();
    return root;
  },
  async run(s, root) {
    const line = root === '' ? await quotaLine(s) : null;
    if (!line) return no('No such quota root', 'NONEXISTENT');
    s.untagged(line);
    return ok('GETQUOTA completed');
  },
});

export const setquota = command({
  states: AUTHENTICATED,
  parse() {},
  async run() {
    return no('Quotas are set by the administrator', 'NOPERM');
  },
});
