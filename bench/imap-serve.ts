// The server half of bench/imap.ts: serves an already loaded data directory over IMAP on an ephemeral
// loopback port, in its own process so the client's CPU is not counted as the server's. Prints
// {"port": N} when listening and {"loop_p99_ms", "loop_max_ms", "rss_mb"} when it receives SIGTERM.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pino from 'pino';
import { validateConfig } from '../src/config/load.ts';
import { buildContext } from '../src/cli/serve.ts';
import { startImapListener } from '../src/imap/server.ts';

const dataDir = process.argv[2]!;
const config = validateConfig({ hostname: 'bench.example.test', data_dir: dataDir, imap: { allow_plaintext_loopback: true, max_sessions_per_user: 20000 }, log: { level: 'silent' }, limits: { connections_per_ip: 20000, connections_total: 20000 } }, null);
const ctx = await buildContext(config, pino({ level: 'silent' }));
const listener = await startImapListener(ctx, { host: '127.0.0.1', port: 0 }, false);
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
console.log(JSON.stringify({ port: listener.port }));
process.once('SIGTERM', () => {
  loop.disable();
  console.log(JSON.stringify({ loop_p99_ms: loop.percentile(99) / 1e6, loop_max_ms: loop.max / 1e6, rss_mb: process.memoryUsage().rss / 1048576 }));
  ctx.store.close().then(() => process.exit(0));
});
