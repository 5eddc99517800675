// GETQUOTAROOT and GETQUOTA (RFC 9208, RES-STORAGE in KiB): one quota root "" for the whole account.
// SETQUOTA is refused: quotas are set by the operator.
import { command, AUTHENTICATED } from './command.ts';
import { no, ok } from '../session/completion.ts';
import { mailboxNameOnWire } from '../protocol/mailbox-name-encoding.ts';
import type { ImapSession } from '../session/session.ts';

async function quotaLine(s: ImapSession): Promise<string> {
  const q = await s.services.mailboxes.quota(s.account!.id);
  const used = Math.ceil(q.used / 1024);
  return q.limit > 0 ? `QUOTA "" (STORAGE ${used} ${Math.floor(q.limit / 1024)})` : 'QUOTA "" ()';
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
    s.untagged(`QUOTAROOT ${mailboxNameOnWire(box.name, s.utf8)} ""`);
    s.untagged(await quotaLine(s));
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
    if (root !== '') return no('No such quota root', 'NONEXISTENT');
    s.untagged(await quotaLine(s));
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
