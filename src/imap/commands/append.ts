// APPEND (RFC 3501 §6.3.11) through the one delivery function, answered with APPENDUID (RFC 4315)
// only after the message is durable. One message per command (MULTIAPPEND is not advertised).
import { command, AUTHENTICATED } from './command.ts';
import { no, ok } from '../session/completion.ts';
import { parseAppendArguments } from '../protocol/append-arguments.ts';
import { ImapSyntaxError } from '../protocol/tokens.ts';
import { deliver } from '../../delivery/deliver.ts';

export const append = command({
  states: AUTHENTICATED,
  parse(r, s) {
    const a = parseAppendArguments(r, s.utf8);
    if (a.messages.length !== 1) throw new ImapSyntaxError('One message per APPEND');
    return { mailbox: a.mailbox, message: a.messages[0]! };
  },
  async run(s, a) {
    const { mailboxes, store, settings } = s.services;
    const box = await mailboxes.byName(s.account!.id, a.mailbox);
    if (!box) return no('No such mailbox', 'TRYCREATE');
    const m = a.message;
    if (m.content.length === 0) return no('Empty message', 'CANNOT');
    if (m.content.length > settings.maxMessageSize) return no('Message too large', 'TOOBIG');
    const [copy] = await deliver(store, {
      raw: m.content,
      recipients: [{ accountId: s.account!.id, mailbox: box.name }],
      ...(m.internalDate !== null ? { internalDate: m.internalDate } : {}),
      flags: m.flags,
    });
    return ok('APPEND completed', `APPENDUID ${copy!.uidValidity} ${copy!.uid}`);
  },
});
