// `postern queue ...` against a real store (the run's engine: makeTestInstance): table and --json
// output, exit codes 0/1/2; the test stands for the worker through the store beside the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { makeTestInstance } from '../fixtures/postern.ts';
import { validateConfig } from '../../src/config/load.ts';
import { openConfiguredStore } from '../../src/store/engines/open-store.ts';

const BIN = path.resolve(import.meta.dirname, '../../bin/postern');

test('queue list/show/retry/delete/flush', async (t) => {
  const inst = await makeTestInstance({ hostname: 'mail.example.test' }, false);
  t.after(() => inst.release());
  const configFile = inst.configFile;
  const config = validateConfig({ data_dir: path.join(inst.dir, 'data'), store: inst.store }, null);
  const openStore = (migrate: boolean) => openConfiguredStore(config, { clock: { now: () => Date.now() }, migrate });
  const store = await openStore(true);
  const raw = Buffer.from('From: a@example.test\r\nSubject: q\r\n\r\nhi\r\n');
  const { queueMessageId: id } = await store.queue.accept({ raw, prefix: Buffer.alloc(0), index: null, localTargets: [], internalDate: 0,
    sender: 'a@example.test', accountId: null, remoteRecipients: ['b@remote.test', 'c@remote.test'], expiresAt: Date.now() + 86400_000 }, Date.now());
  const [claimed] = await store.queue.claimDue('remote.test', Date.now(), Date.now() + 60_000, 1);
  await store.queue.record([{ id: claimed!.id, status: 'deferred', nextAttemptAt: Date.now() + 3600_000, reply: '451 4.3.0 later', host: 'mx.remote.test' }], Date.now());
  await store.close();

  const run = (...args: string[]) => spawnSync(process.execPath, [BIN, 'queue', ...args, '--config', configFile], { encoding: 'utf8' });

  const list = run('list');
  assert.equal(list.status, 0, list.stderr);
  assert.match(list.stdout, /^ID\s+SENDER\s+RECIPIENTS/);
  assert.match(list.stdout, /b@remote\.test, c@remote\.test/);
  const json = JSON.parse(run('list', '--json').stdout);
  assert.equal(json[0].id, id);
  assert.equal(json[0].error, '451 4.3.0 later');

  const show = run('show', String(id));
  assert.equal(show.status, 0);
  assert.match(show.stdout, /deferred/);
  assert.match(show.stdout, /via mx\.remote\.test: 451 4\.3\.0 later/);
  assert.equal(run('show', '999').status, 1);
  assert.equal(run('show', 'abc').status, 2);

  const retry = run('retry', String(id), '--json');
  assert.equal(retry.status, 0);
  assert.equal(JSON.parse(retry.stdout).recipients, 2);
  const probe = await openStore(false);
  const retriedUntil = (await probe.queue.nextDue())!;
  await probe.close();
  await sleep(5);

  // flush --wait follows the running server's attempts; here the test claims them as the worker would.
  const flushing = spawn(process.execPath, [BIN, 'queue', 'flush', '--wait', '--json', '--config', configFile]);
  let out = '';
  let err = '';
  flushing.stdout.on('data', (d: Buffer) => { out += d; });
  flushing.stderr.on('data', (d: Buffer) => { err += d; });
  const exited = new Promise<number | null>((resolve) => flushing.once('exit', resolve));
  // Claim only once flush has made the recipients due again (its next_attempt_at moves past retry's):
  // a claim before that would be undone by flush, and the process may take long to start on a busy machine.
  const worker = await openStore(false);
  for (let i = 0; i < 300 && (await worker.queue.nextDue())! <= retriedUntil; i++) await sleep(100);
  assert.equal((await worker.queue.claimDue('remote.test', Date.now(), Date.now() + 60_000, 10)).length, 2);
  await worker.close();
  assert.equal(await exited, 0, err);
  assert.deepEqual(JSON.parse(out), { recipients: 2, attempted: 2 });
  assert.match(err, /flushing the queue/);

  assert.equal(run('delete', String(id)).status, 0);
  assert.match(run('list').stdout, /\(none\)/);
});
