import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inboundReplies, submissionReplies } from '../../../src/smtp/enhanced-replies.ts';
import type { EngineReply } from '../../../src/smtp/engine.ts';

const session = { disabledCommands: ['AUTH'] } as never;
const reply = (code: number, data: EngineReply['data'], cause: EngineReply['cause'] = null, context?: string | false): EngineReply => ({ code, data, context, cause });

test('a text that carries its own enhanced code of the same class is sent as is, on both listeners', () => {
  for (const policy of [inboundReplies, submissionReplies]) {
    assert.deepEqual(policy(reply(554, '5.7.1 Relaying denied'), session), { code: 554, data: '5.7.1 Relaying denied', context: false });
    assert.deepEqual(policy(reply(452, '4.2.2 Mailbox full'), session), { code: 452, data: '4.2.2 Mailbox full', context: false });
  }
});

test('a mismatched class or no code is left to smtp-server', () => {
  for (const policy of [inboundReplies, submissionReplies]) {
    assert.equal(policy(reply(554, '4.7.1 wrong class'), session), null);
    assert.equal(policy(reply(250, 'Accepted'), session), null);
    assert.equal(policy(reply(250, ['multi', 'line']), session), null);
  }
});

test('port 25: an over-long command line becomes 500 5.5.2 and ends the session', () => {
  assert.deepEqual(inboundReplies(reply(421, 'Error: Command line too long', 'command-too-long'), session), { code: 500, data: '5.5.2 Line too long', context: false, close: true });
});

test('submission: AUTH while it is disabled for the session (before TLS) is 530 5.7.0, other disabled commands are not', () => {
  assert.deepEqual(submissionReplies(reply(500, 'Error: command not recognized', 'command-disabled', 'AUTH'), session),
    { code: 530, data: '5.7.0 Must issue a STARTTLS command first', context: false });
  assert.equal(submissionReplies(reply(500, 'Error: command not recognized', null, 'HELP'), session), null);
});
