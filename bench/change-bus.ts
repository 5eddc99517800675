// bench/change-bus (issue 14): latency of the PostgreSQL change bus across nodes — from COMMIT of
// a delivery on node A (the moment A's own listeners are called, right after COMMIT returned) to
// the listener on node B (LISTEN/NOTIFY on another connection of another PgStore). Three loads:
// paced single deliveries (an idle system), and concurrent delivery streams on A into one account
// and into as many accounts as streams, with the deliveries per second A committed meanwhile (one
// account's deliveries wait on its row lock, one COMMIT after another). Starts its own PostgreSQL
// (test/fixtures/postgres.ts) unless POSTERN_TEST_PG_URL names one. Prints a table. Not a CI test.
//   node bench/change-bus.ts [--count 500] [--streams 8]
import { performance } from 'node:perf_hooks';
import { PgStore } from '../src/store/postgres/store.ts';
import { systemClock } from '../src/clock.ts';
import { deliver } from '../src/delivery/deliver.ts';
import { startPostgres } from '../test/fixtures/postgres.ts';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1]! : dflt; };
const count = Number(opt('count', '500'));
const streams = Number(opt('streams', '8'));
const PACE_MS = 10;

const server = await startPostgres();
const url = await server.freshDatabase();
const a = await PgStore.open({ url }, { clock: systemClock, migrate: true });
const b = await PgStore.open({ url }, { clock: systemClock, migrate: false });
const domain = await a.domains.add('example.test', []);
const account = (await a.accounts.add('alice@example.test', domain.id, 'x')).id;
const others = await Promise.all(Array.from({ length: streams }, (_, i) => a.accounts.add(`user${i}@example.test`, domain.id, 'x')));

const committed = new Map<number, number>();
const latencies: number[] = [];
for (const id of [account, ...others.map((o) => o.id)]) {
  a.bus.subscribe(id, (c) => committed.set(c.mailboxId * 1e9 + c.modseq, performance.now()));
  b.bus.subscribe(id, (c) => {
    const t0 = committed.get(c.mailboxId * 1e9 + c.modseq);
    if (t0 !== undefined) latencies.push(performance.now() - t0);
  });
}
const raw = (i: number) => Buffer.from(`From: carol@remote.test\r\nSubject: ${i}\r\n\r\nbody ${i}\r\n`);

async function settle(expected: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (latencies.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

function row(name: string, values: number[], rate: string): string {
  const s = [...values].sort((x, y) => x - y);
  const q = (p: number) => (s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))]! : NaN).toFixed(2);
  return `| ${name} | ${s.length} | ${q(0.5)} | ${q(0.99)} | ${(s[s.length - 1] ?? NaN).toFixed(2)} | ${rate} |`;
}

const rows: string[] = [];
for (let i = 0; i < 20; i++) await deliver(a, { raw: raw(i), recipients: [{ accountId: account }] });
await settle(20);
latencies.length = 0;
for (let i = 0; i < count; i++) {
  await deliver(a, { raw: raw(i), recipients: [{ accountId: account }] });
  await new Promise((r) => setTimeout(r, PACE_MS));
}
await settle(count);
rows.push(row(`paced (1 delivery per ${PACE_MS} ms)`, latencies, '-'));
const per = Math.ceil(count / streams);
for (const spread of [false, true]) {
  latencies.length = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: streams }, async (_, s) => {
    const target = spread ? others[s]!.id : account;
    for (let i = 0; i < per; i++) await deliver(a, { raw: raw(s * per + i), recipients: [{ accountId: target }] });
  }));
  const rate = ((per * streams) / ((performance.now() - start) / 1000)).toFixed(0);
  await settle(per * streams);
  rows.push(row(`busy (${streams} concurrent streams on A, ${spread ? `${streams} accounts` : 'one account'})`, latencies, `${rate} deliveries/s`));
}
console.log('| load | changes heard on B | p50 ms | p99 ms | max ms | A committed |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
await a.close();
await b.close();
await server.stop();
