// APPEND (RFC 3501 §6.3.11), MULTIAPPEND (RFC 3502) and CATENATE (RFC 4469) through the one delivery
// function, answered with APPENDUID (RFC 4315 §3: a UID set for several messages) only after the
// messages are durable.
// Always true: a MULTIAPPEND stores all its messages in one transaction or none of them; a missing
// mailbox is answered [TRYCREATE] before any CATENATE URL is looked at (RFC 4469 §5), and one bad
// URL stores nothing; one command assembles at most what the framer lets its literals carry.
import { command, AUTHENTICATED } from './command.ts';
import { no, ok } from '../session/completion.ts';
import { parseAppendArguments } from '../protocol/append-arguments.ts';
import { formatNumbers } from '../protocol/sequence-set.ts';
import { deliver, deliverAll } from '../../delivery/deliver.ts';
import { sevenBitForm } from '../../mime/binary-append.ts';
import { catenateMessage } from '../session/catenate.ts';
import { IMAP_MAX_COMMAND_LITERAL_BYTES } from '../../limits.ts';

export const append = command({
  states: AUTHENTICATED,
  parse: (r, s) => parseAppendArguments(r, s.utf8),
  async run(s, a) {
    const { mailboxes, store, settings } = s.services;
    const box = await mailboxes.byName(s.account!.id, a.mailbox);
    if (!box) return no('No such mailbox', 'TRYCREATE');
    const budget = { bytes: settings.maxMessageSize + IMAP_MAX_COMMAND_LITERAL_BYTES };
    const contents: Buffer[] = [];
    for (const m of a.messages) {
      const content = m.catenate ? await catenateMessage(s, m.catenate, budget) : m.content;
      if (content.length === 0) return no('Empty message', 'CANNOT');
      if (content.length > settings.maxMessageSize) return no('Message too large', 'TOOBIG');
      contents.push(content);
    }
    const inputs = a.messages.map((m, i) => ({
      // RFC 3516 §4.3: binary content is stored base64-encoded, so every client can read it.
      raw: sevenBitForm(contents[i]!),
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
