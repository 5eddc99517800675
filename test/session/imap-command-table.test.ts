// The command table is the session's input, not its import: a session runs the commands of the
// table it is given (a test table here wraps the production one), refuses `UID` before a command
// without a UID form (a property of the command), and answers a command's exception with the
// table's own error reply.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { makeHarness, TestClient, type Harness } from '../fixtures/imap-harness.ts';
import { ImapServices } from '../../src/imap/session/services.ts';
import type { Command, CommandTable } from '../../src/imap/session/command-table.ts';
import { COMMANDS } from '../../src/imap/commands/registry.ts';
import { command, ANY_STATE } from '../../src/imap/commands/command.ts';
import { ok } from '../../src/imap/session/completion.ts';
import { LoginThrottle } from '../../src/login/throttle.ts';

let h: Harness;
before(async () => {
  h = await makeHarness();
});
after(() => h.close());

const xping = command({ states: ANY_STATE, uid: true, parse: (r) => r.end(), run: async (s, _a, cmd) => {
  s.untagged(`XPING ${cmd.uid ? 'uid' : 'plain'}`);
  return ok('XPING done');
} });
const xfail = command({ states: ANY_STATE, parse: (r) => r.end(), run: async () => {
  throw new Error('boom');
} });

const table: CommandTable = {
  get: (name) => (name === 'XPING' ? xping : name === 'XFAIL' ? xfail : COMMANDS.get(name)) as Command<never> | undefined,
  replyForError: (_err, _log, name) => ({ status: 'NO', code: 'TEST', text: `table says ${name} failed` }),
  fetchNew: COMMANDS.fetchNew,
};

function services(commands: CommandTable): ImapServices {
  return new ImapServices(commands, h.store, new LoginThrottle(h.store.shared, { maxFailures: 10, lockoutS: 60 }), pino({ level: 'silent' }), { hostname: 'x', allowPlaintextLoopback: true }, null);
}

test('a session runs the commands of the table it is given, and its error replies', async () => {
  const c = new TestClient(services(table));
  await c.login();
  assert.match(await c.command('XPING'), /^\* XPING plain\r\n/);
  assert.match(await c.command('UID XPING'), /^\* XPING uid\r\n/);
  assert.match(await c.command('XFAIL', 'NO'), /NO \[TEST\] table says XFAIL failed/);
  c.close();
  const plain = new TestClient(services(COMMANDS));
  await plain.login();
  assert.match(await plain.command('XPING', 'BAD'), /BAD Unknown command XPING/);
  plain.close();
});

test('UID is BAD before a command without a UID form, and reaches those that have one', async () => {
  const c = new TestClient(services(COMMANDS));
  await c.login();
  await c.command('SELECT INBOX');
  for (const name of ['NOOP', 'SELECT INBOX', 'LIST "" "*"', 'CLOSE']) {
    assert.match(await c.command(`UID ${name}`, 'BAD'), new RegExp(`BAD UID ${name.split(' ')[0]} is not a command`));
  }
  for (const text of ['FETCH 1:* FLAGS', 'STORE 1:* +FLAGS (\\Seen)', 'SEARCH ALL', 'SORT (DATE) UTF-8 ALL', 'THREAD REFERENCES UTF-8 ALL', 'COPY 1:* INBOX', 'MOVE 1:* INBOX', 'EXPUNGE 1:*']) {
    await c.command(`UID ${text}`, 'OK');
  }
  c.close();
});
