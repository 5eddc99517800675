// One fault, one reply on both SMTP listeners (issue 11 §1, src/smtp/reply-catalogue.ts): an
// unknown local user and a bare CR in DATA get the same code,
// enhanced code and text on port 25 and on submission. Real loopback sockets, in-process listeners.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { validateConfig } from '../../src/config/load.ts';
import { buildContext } from '../../src/cli/serve.ts';
import { createLogger } from '../../src/log.ts';
import { hashPassword } from '../../src/login/password.ts';
import { startInboundSmtp } from '../../src/smtp/inbound-server.ts';
import { startSubmission } from '../../src/smtp/submission-server.ts';
import type { RunningListener, ServerContext } from '../../src/server-context.ts';
import { connectWire, type Wire } from '../fixtures/smtp-wire.ts';

let dir: string;
let ctx: ServerContext;
let inbound: RunningListener;
let submission: RunningListener;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-faults-'));
  const config = validateConfig({
    hostname: 'mx.postern.test', data_dir: dir, submission: { allow_plaintext_loopback: true },
    inbound: { spf_fail: 'accept', dmarc_reject: 'accept', own_domain_unauthenticated: 'junk' },
  }, null);
  ctx = await buildContext(config, createLogger('silent', false));
  const domain = await ctx.store.domains.add('postern.test', []);
  await ctx.store.accounts.add('alice@postern.test', domain.id, await hashPassword('alice-secret'));
  inbound = await startInboundSmtp(ctx, { host: '127.0.0.1', port: 0 });
  submission = await startSubmission(ctx, { host: '127.0.0.1', port: 0 });
});
after(async () => {
  await inbound.close();
  await submission.close();
  await ctx.store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function transaction(listener: 'inbound' | 'submission'): Promise<Wire> {
  const wire = await connectWire((listener === 'inbound' ? inbound : submission).port);
  assert.match(await wire.reply(), /^220 /);
  assert.match(await wire.cmd('EHLO client.test'), /^250/);
  if (listener === 'submission') assert.match(await wire.cmd(`AUTH PLAIN ${Buffer.from('\0alice@postern.test\0alice-secret').toString('base64')}`), /^235 /);
  assert.match(await wire.cmd(`MAIL FROM:<${listener === 'inbound' ? 'someone@sender.test' : 'alice@postern.test'}>`), /^250 /);
  return wire;
}

for (const [what, rcpt, expected] of [
  ['an unknown local user', '<nobody@postern.test>', '550 5.1.1 No such user here'],
] as const) {
  test(`${what}: the same reply on port 25 and on submission`, async () => {
    const replies = [];
    for (const listener of ['inbound', 'submission'] as const) {
      const wire = await transaction(listener);
      replies.push(await wire.cmd(`RCPT TO:${rcpt}`));
      wire.close();
    }
    assert.deepEqual(replies, [expected, expected]);
  });
}

test('a bare CR in the message: the same reply on port 25 and on submission', async () => {
  const replies = [];
  for (const listener of ['inbound', 'submission'] as const) {
    const wire = await transaction(listener);
    assert.match(await wire.cmd('RCPT TO:<alice@postern.test>'), /^250 /);
    assert.match(await wire.cmd('DATA'), /^354 /);
    replies.push(await wire.cmd('From: alice@postern.test\r\nSubject: cr\r\n\r\nsmuggled\rline\r\n.'));
    wire.close();
  }
  assert.deepEqual(replies, ['554 5.6.0 Message refused: bare CR in content; lines must end with CRLF', '554 5.6.0 Message refused: bare CR in content; lines must end with CRLF']);
});
