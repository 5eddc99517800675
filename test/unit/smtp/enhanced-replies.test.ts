import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMMAND_TOO_LONG, rewriteReply } from '../../../src/smtp/enhanced-replies.ts';

test('a text that carries its own enhanced code of the same class is sent as is', () => {
  assert.deepEqual(rewriteReply(554, '5.7.1 Relaying denied'), { code: 554, text: '5.7.1 Relaying denied', context: false });
  assert.deepEqual(rewriteReply(452, '4.2.2 Mailbox full'), { code: 452, text: '4.2.2 Mailbox full', context: false });
});

test('a mismatched class or no code is left to smtp-server', () => {
  assert.equal(rewriteReply(554, '4.7.1 wrong class'), null);
  assert.equal(rewriteReply(250, 'Accepted'), null);
  assert.equal(rewriteReply(250, ['multi', 'line']), null);
});

test('an over-long command line becomes 500 5.5.2', () => {
  assert.deepEqual(rewriteReply(421, COMMAND_TOO_LONG), { code: 500, text: '5.5.2 Line too long', context: false });
});
