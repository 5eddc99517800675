// APPEND (RFC 3501 §6.3.11) and MULTIAPPEND (RFC 3502) through the one delivery function, answered
// with APPENDUID (RFC 4315 §3: a UID set for several messages) only after the messages are durable.
// Always true: a MULTIAPPEND stores all its messages in one transaction or none of them.
import { command, AUTHENTICATED } from './command.ts';
import { no, ok } from '../session/completion.ts';
import { parseAppendArguments } from '../protocol/append-arguments.ts';
import { formatNumbers } from '../protocol/sequence-set.ts';
import { deliver, deliverAll } from '../../delivery/deliver.ts';
import { sevenBitForm } from '../../mime/binary-append.ts';

export const append = command({
  states: AUTHENTICATED,
  parse: (r, s) => parseAppendArguments(r, s.utf8),
  async run(s, a) {
    const { mailboxes, store, settings } = s.services;
    const box = await mailboxes.byName(s.account!.id, a.mailbox);
    if (!box) return no('No such mailbox', 'TRYCREATE');
    for (const m of a.messages) {
      if (m.content.length === 0) return no('Empty message', 'CANNOT');
      if (m.content.length > settings.maxMessageSize) return no('Message too large', 'TOOBIG');
    }
    const inputs = a.messages.map((m) => ({
      // RFC 3516 §4.3: binary content is stored base64-encoded, so every client can read it.
      raw: sevenBitForm(m.content),
      recipients: [{ accountId: s.account!.id, mailbox: box.name }],
      ...(m.internalDate !== null ? { internalDate: m.internalDate } : {}),
      flags: m.flags,
    }));
    if (inputs.length === 1) {
      const [copy] = await deliver(store, inputs[0]!);
      return ok('APPEND completed', `APPENDUID ${copy!.uidValidity} ${copy!.uid}`);
    }
    const copies = (await deliverAll(store, inputs)).map((c) => c[0]!);
    return ok('APPEND completed', `APPENDUID ${copies[0]!.uidValidity} ${formatNumbers(copies.map((c) => c.uid))}`);
  },
});
