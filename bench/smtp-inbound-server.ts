// The server side of bench/smtp-inbound.ts: Postern's port 25 listener in its own process (real
// store in the given data dir, the one resolver pointed at the bench's DNS server), reporting its
// peak RSS, event-loop delay, CPU seconds (user + system, all threads) and stored-message count to the parent over IPC.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { validateConfig } from '../src/config/load.ts';
import { buildContext } from '../src/cli/serve.ts';
import type { SqliteStore } from '../src/store/sqlite/store.ts';
import { createLogger } from '../src/log.ts';
import { startInboundSmtp } from '../src/smtp/inbound-server.ts';

const [dataDir, dnsServer] = process.argv.slice(2);
const config = validateConfig({
  hostname: 'mx.bench.test',
  data_dir: dataDir,
  dns: { servers: [dnsServer], timeout_ms: 2000, tries: 1 },
  limits: { connections_per_ip: 1000 },
}, null);
const ctx = await buildContext(config, createLogger('warn', false));
if (!(await ctx.store.domains.find('example.test'))) {
  const domain = await ctx.store.domains.add('example.test', []);
  await ctx.store.accounts.add('user@example.test', domain.id, '$scrypt$bench');
}
const listener = await startInboundSmtp(ctx, { host: '127.0.0.1', port: 0 });
const delay = monitorEventLoopDelay({ resolution: 10 });

let cpuAtReset = process.cpuUsage();

process.on('message', (msg: { cmd: string }) => {
  if (msg.cmd === 'reset') {
    cpuAtReset = process.cpuUsage();
    delay.reset();
    delay.enable();
    process.send!({ ok: true });
  } else if (msg.cmd === 'stats') {
    delay.disable();
    const cpu = process.cpuUsage(cpuAtReset);
    const stored = ((ctx.store as SqliteStore).db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n;
    process.send!({
      rssPeakMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      eventLoopDelayP99Ms: delay.percentile(99) / 1e6,
      eventLoopDelayMaxMs: delay.max / 1e6,
      stored,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
    });
  } else if (msg.cmd === 'stop') {
    listener.close().then(() => ctx.store.close()).then(() => process.exit(0));
  }
});
process.send!({ port: listener.port });
