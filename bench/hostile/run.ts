// bench/hostile: for each attack of test/fixtures/hostile-attacks.ts, against one `postern serve`
// process, the well-behaved neighbour probes every protocol (greeting + one command) in a loop while
// the attack runs; the table gives per attack the neighbour's worst latency, the server's RSS before
// and at its peak (VmHWM, reset before each attack) and the longest event-loop delay (the
// postern_event_loop_delay_max_seconds gauge, reset by the scrape before each attack). Targets
// (issue 10): worst latency under 100 ms and RSS growth under 64 MiB for every attack.
// Usage: node bench/hostile/run.ts [--messages 24] [--size-mib 4] [--only substring]
// New attacks (SMTP ones too) are rows added to ATTACKS; nothing here needs to change.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { ATTACKS, type Attack } from '../../test/fixtures/hostile-attacks.ts';
import { LineClient, probeAll, rssOf, startTarget, type Target } from '../../test/fixtures/hostile.ts';

const { values } = parseArgs({ options: { messages: { type: 'string', default: '24' }, 'size-mib': { type: 'string', default: '4' }, only: { type: 'string', default: '' } } });
const MIB = 1024 * 1024;

function peakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** Linux: writing 5 to clear_refs resets the process's peak RSS (VmHWM) to its current RSS. */
function resetPeak(pid: number): void {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch { /* not permitted: the peak then covers the whole run */ }
}

async function loopDelayMs(t: Target): Promise<number> {
  const c = await LineClient.connect(t.ports.ops!);
  c.write('GET /metrics HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
  await c.closedWithin(10_000);
  const m = /^postern_event_loop_delay_max_seconds (\S+)$/m.exec(c.text);
  return m ? Number(m[1]) * 1000 : NaN;
}

interface Row { attack: string; worstMs: number; probes: number; failed: number; rssMib: number; peakMib: number; loopMs: number; outcome: string; expected: boolean }

async function measure(t: Target, attack: Attack | null): Promise<Row> {
  const prepared = attack ? await attack.start(t) : null;
  await new Promise((r) => setTimeout(r, 300));
  await loopDelayMs(t);
  const rss = rssOf(t.pid);
  resetPeak(t.pid);
  let worst = 0;
  let probes = 0;
  let failed = 0;
  let done = false;
  const outcome = (prepared ? prepared.fire() : new Promise<string>((r) => setTimeout(() => r('idle'), 2000))).finally(() => { done = true; });
  // At least a few rounds even for attacks that end at once.
  for (let round = 0; !done || round < 5; round++) {
    for (const p of await probeAll(t.ports, 10_000)) {
      probes++;
      if (p.error) failed++;
      worst = Math.max(worst, p.ms);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const text = await outcome;
  const row: Row = {
    attack: attack?.name ?? '(no attack: the neighbour alone)',
    worstMs: worst, probes, failed,
    rssMib: rss / MIB, peakMib: peakRss(t.pid) / MIB,
    loopMs: await loopDelayMs(t),
    outcome: text, expected: attack ? attack.expect.test(text) : true,
  };
  prepared?.stop();
  return row;
}

/** A freshly started server compiles and loads on its first requests: not what an attack costs. */
async function warmUp(t: Target): Promise<void> {
  for (let i = 0; i < 10; i++) await probeAll(t.ports, 10_000);
}

const attacks = ATTACKS.filter((a) => a.name.includes(values.only));
const target = await startTarget({ messages: Number(values.messages), messageBytes: Number(values['size-mib']) * MIB });
const rows: Row[] = [];
try {
  await warmUp(target);
  rows.push(await measure(target, null));
  for (const attack of attacks) {
    if (attack.fresh) {
      await target.restart();
      await warmUp(target);
    }
    rows.push(await measure(target, attack));
  }
} finally {
  await target.stop();
}
console.log(`bench/hostile: ${values.messages} messages of ${values['size-mib']} MiB; neighbour = greeting + one command on IMAP, POP3, SMTP, HTTP, in a loop while the attack runs`);
console.log('| attack | neighbour worst (ms) | probes (failed) | server RSS before → peak (MiB) | growth (MiB) | event-loop delay max (ms) | attacked session got |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.attack} | ${r.worstMs.toFixed(0)} | ${r.probes} (${r.failed}) | ${r.rssMib.toFixed(0)} → ${r.peakMib.toFixed(0)} | ${(r.peakMib - r.rssMib).toFixed(0)} | ${r.loopMs.toFixed(0)} | ${r.expected ? '' : 'UNEXPECTED: '}${r.outcome.slice(0, 60).replace(/\|/g, '\\|')} |`);
}
