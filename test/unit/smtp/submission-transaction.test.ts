// beginSubmission, acceptRecipient and finishSubmission called directly, without a socket: a real
// SQLite store in a temp folder, the real signing pool. Refusals are checked for their reply code,
// enhanced code and that nothing was stored or queued; an accepted message for its local copy and
// its queue row, committed together.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { validateConfig } from '../../../src/config/load.ts';
import { buildContext } from '../../../src/cli/serve.ts';
import { createLogger } from '../../../src/log.ts';
import type { ServerContext } from '../../../src/server-context.ts';
import { outboundServicesOf } from '../../../src/delivery/forward.ts';
import { serverMetrics, spamMetrics } from '../../../src/metrics/catalogue.ts';
import { SignPool } from '../../../src/email-auth/sign-pool.ts';
import {
  acceptRecipient, beginSubmission, finishSubmission, type SubmissionClient, type SubmissionDeps,
} from '../../../src/smtp/submission-transaction.ts';
import { mailboxMessages } from '../../fixtures/store-inspect.ts';

let ctx: ServerContext;
let deps: SubmissionDeps;
let pool: SignPool;
let dataDir: string;
let alice: number;
let bob: number;

before(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-submission-tx-'));
  const config = validateConfig({ hostname: 'mx.postern.test', data_dir: dataDir, dns: { servers: ['127.0.0.1:9'], timeout_ms: 200, tries: 1 } }, null);
  ctx = await buildContext(config, createLogger('silent', false));
  pool = new SignPool();
  deps = {
    config, store: ctx.store, clock: ctx.clock, log: ctx.log, metrics: serverMetrics(ctx.metrics), spamMetrics: spamMetrics(ctx.metrics),
    outbound: outboundServicesOf(ctx),
    sign: async (message, domain, now) => pool.sign(message, domain, await ctx.store.domains.dkimKeys(domain), now),
  };
  const domain = await ctx.store.domains.add('postern.test', []);
  alice = (await ctx.store.accounts.add('alice@postern.test', domain.id, '$scrypt$test')).id;
  bob = (await ctx.store.accounts.add('bob@postern.test', domain.id, '$scrypt$test')).id;
});

after(async () => {
  await pool.close();
  await ctx.store.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function client(): SubmissionClient {
  return {
    sessionId: 'test', remoteIp: '192.0.2.44', helo: 'laptop', secure: true, tlsProtocol: 'TLSv1.3',
    user: { accountId: alice, address: 'alice@postern.test' }, owned: new Map(),
  };
}

function message(from: string, subject: string): { raw: Buffer; sizeExceeded: boolean; endedAt: number } {
  const raw = Buffer.from(`From: ${from}\r\nTo: <bob@postern.test>, <carol@remote.test>\r\nSubject: ${subject}\r\n\r\nhello\r\n`);
  return { raw, sizeExceeded: false, endedAt: ctx.clock.now() };
}

async function refusal(work: Promise<unknown>): Promise<{ code: number; enhanced: string; text: string }> {
  try {
    await work;
  } catch (err) {
    const e = err as Error & { responseCode?: number };
    assert.equal(typeof e.responseCode, 'number', `a reply, not a failure: ${e.message}`);
    const [enhanced, ...rest] = e.message.split(' ');
    return { code: e.responseCode!, enhanced: enhanced!, text: rest.join(' ') };
  }
  assert.fail('expected a refusal');
}

const queued = async () => (await ctx.store.queue.list()).length;

test('MAIL: an envelope sender the user does not own is 553 5.7.1', async () => {
  const r = await refusal(beginSubmission(deps, client(), 'bob@postern.test'));
  assert.deepEqual([r.code, r.enhanced], [553, '5.7.1']);
  assert.match(r.text, /Sender address not owned/);
  const none = await refusal(beginSubmission(deps, client(), ''));
  assert.deepEqual([none.code, none.enhanced], [553, '5.7.1'], 'nor the null sender');
});

test('RCPT: an unknown local user is 550 5.1.1; a remote address is taken once', async () => {
  const tx = await beginSubmission(deps, client(), 'alice@postern.test');
  const r = await refusal(acceptRecipient(deps, tx, 'nobody@postern.test'));
  assert.deepEqual([r.code, r.enhanced], [550, '5.1.1']);
  await acceptRecipient(deps, tx, 'carol@remote.test');
  await acceptRecipient(deps, tx, 'Carol@remote.test');
  assert.deepEqual(tx.remote, ['carol@remote.test']);
});

test('DATA: a From: the user does not own is 553 5.7.1 and nothing is stored or queued', async () => {
  const tx = await beginSubmission(deps, client(), 'alice@postern.test');
  await acceptRecipient(deps, tx, 'bob@postern.test');
  await acceptRecipient(deps, tx, 'carol@remote.test');
  const before = { bob: (await mailboxMessages(ctx.store, bob)).length, queue: await queued() };
  const r = await refusal(finishSubmission(deps, tx, message('Bob <bob@postern.test>', 'forged from')));
  assert.deepEqual([r.code, r.enhanced], [553, '5.7.1']);
  assert.match(r.text, /From: header address not owned/);
  assert.deepEqual({ bob: (await mailboxMessages(ctx.store, bob)).length, queue: await queued() }, before);
});

test('DATA: an accepted message is in the local mailbox and queued for the remote recipient, with our Received', async () => {
  const tx = await beginSubmission(deps, client(), 'alice@postern.test');
  await acceptRecipient(deps, tx, 'bob@postern.test');
  await acceptRecipient(deps, tx, 'carol@remote.test');
  const before = { bob: (await mailboxMessages(ctx.store, bob)).length, queue: await queued() };
  const answer = await finishSubmission(deps, tx, message('Alice <alice@postern.test>', 'accepted'));
  const id = /^2\.0\.0 Ok: queued as ([0-9a-f]{16})$/.exec(answer)?.[1];
  assert.ok(id, answer);
  const copies = await mailboxMessages(ctx.store, bob);
  assert.equal(copies.length, before.bob + 1);
  const stored = copies.at(-1)!.bytes.toString();
  assert.match(stored, /^Received: from laptop \(\[192\.0\.2\.44\]\)\r\n\tby mx\.postern\.test \(Postern\) with ESMTPSA id /);
  assert.ok(stored.includes(id));
  assert.match(stored, /\r\nMessage-ID: <[^>]+@mx\.postern\.test>\r\n/, 'the fix-up adds a Message-ID');
  const queue = await ctx.store.queue.list();
  assert.equal(queue.length, before.queue + 1);
  const row = queue.at(-1)!;
  assert.equal(row.sender, 'alice@postern.test');
  assert.equal(row.accountId, alice);
  assert.deepEqual(row.recipients.map((r) => r.recipient), ['carol@remote.test']);
});

test('DATA: a message over the size limit is 552 5.3.4', async () => {
  const tx = await beginSubmission(deps, client(), 'alice@postern.test');
  await acceptRecipient(deps, tx, 'bob@postern.test');
  const r = await refusal(finishSubmission(deps, tx, { ...message('alice@postern.test', 'big'), sizeExceeded: true }));
  assert.deepEqual([r.code, r.enhanced], [552, '5.3.4']);
});
