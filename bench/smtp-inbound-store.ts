// bench/smtp-inbound-store: the store's share of an inbound message, in process and without sockets,
// so the figure is not lost in the noise of a shared machine: `--concurrency` deliveries at a time
// (as concurrent SMTP sessions would, so the group commit batches them) of a 4 KiB message indexed
// the way delivery indexes it, through store.storeMessage with a spam record, on a store opened
// as serve opens it (WAL fsynced off the loop, checkpoint thread). Prints CPU per message (the
// process, all threads) and the main thread's busy time per message.
//   node bench/smtp-inbound-store.ts [--messages 4000] [--concurrency 20]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openStore } from '../src/store/sqlite/store.ts';
import { contentIndexOf } from '../src/delivery/deliver.ts';

const args = process.argv.slice(2);
const opt = (name: string, def: number) => { const i = args.indexOf(`--${name}`); return i >= 0 ? Number(args[i + 1]) : def; };
const N = opt('messages', 4000);
const C = opt('concurrency', 20);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-bench-store-'));
const store = openStore(dir, { clock: { now: () => Date.now() }, migrate: true, syncOffLoop: true, checkpointIntervalMs: 1000 });
const domain = await store.domains.add('example.test', []);
const account = await store.accounts.add('user@example.test', domain.id, '$scrypt$bench');
const words = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore'.split(' ');
const message = (i: number) => {
  let body = '';
  for (let line = 0; body.length < 3800; line++) body += `${Array.from({ length: 11 }, (_, k) => words[(i * 7 + line * 3 + k) % words.length]).join(' ')} ${i}\r\n`;
  return Buffer.from(`From: <load${i % 13}@example.test>\r\nTo: <user@example.test>\r\nSubject: bench ${i}\r\nMessage-ID: <bench${i}@example.test>\r\nDate: Tue, 1 Dec 2026 10:00:00 +0000\r\n\r\n${body}`);
};
const prefix = Buffer.from('Received: from client.example ([127.0.0.1]) by mx.bench.test with ESMTP; Tue, 1 Dec 2026 10:00:00 +0000\r\n');
const inputs = Array.from({ length: N }, (_, i) => {
  const raw = message(i);
  return {
    raw, prefix, index: contentIndexOf(Buffer.concat([prefix, raw])), targets: [{ accountId: account.id }], internalDate: Date.now(), flags: [],
    spam: [{ accountId: account.id, learnAs: 'ham' as const, signals: [['ip', '127.0.0.1'], ['domain', 'example.test']] as [string, string][], messageId: `bench${i}@example.test`, score: 0.1, reasons: [], deliveredTo: 'inbox' as const }],
  };
});

const elu0 = performance.eventLoopUtilization();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let next = 0;
await Promise.all(Array.from({ length: C }, async () => {
  while (next < N) await store.storeMessage(inputs[next++]! as never);
}));
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const elu = performance.eventLoopUtilization(elu0);
await store.close();
fs.rmSync(dir, { recursive: true, force: true });
console.log('| messages | concurrency | seconds | msg/s | process CPU ms/msg | main thread busy ms/msg |');
console.log('| --- | --- | --- | --- | --- | --- |');
console.log(`| ${N} | ${C} | ${seconds.toFixed(2)} | ${Math.round(N / seconds)} | ${((cpu.user + cpu.system) / 1000 / N).toFixed(3)} | ${(elu.active / N).toFixed(3)} |`);
