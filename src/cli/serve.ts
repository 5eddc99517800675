// `postern serve`: builds the server context (config, store with migrations applied, the one
// resolver, TLS, throttle, metrics), starts every enabled listener, and runs until SIGTERM/SIGINT,
// when it stops accepting, lets in-flight work finish, and closes the database. SIGHUP reloads
// the TLS certificate from disk. With [tls] acme it obtains and renews the certificate by ACME in
// the background and reloads the TLS listeners when a new one is stored.
import { SERVE_USAGE } from './usage.ts';
import fs from 'node:fs';
import { flagString, parseArgs } from './args.ts';
import { configFor } from './context.ts';
import { OperationError, UsageError } from './errors.ts';
import { LISTENERS } from './listeners.ts';
import { createLogger, type Logger } from '../log.ts';
import type { Store } from '../store/api.ts';
import { openStoreMigrated, UpgradeError } from '../backup/upgrade.ts';
import { configPath } from '../config/load.ts';
import { SchemaTooNewError } from '../store/migrations.ts';
import { createResolver } from '../dns/resolver.ts';

import { createTlsProvider } from '../tls/provider.ts';
import { LoginThrottle } from '../login/throttle.ts';
import { createMetrics } from '../metrics/registry.ts';
import { storeGauges } from '../metrics/catalogue.ts';
import { acmeFiles, certificateNames, startAcmeRenewal, type AcmeRenewal } from '../tls/acme.ts';
import { challengesFor } from '../tls/acme-challenges.ts';
import { reloadCertificate } from '../tls/reload.ts';
import { systemClock } from '../clock.ts';
import { BindError } from '../net/listen.ts';
import { installProcessGuard } from '../process-guard.ts';
import { eventLoopGauge } from '../metrics/catalogue.ts';
import { QueueWorker } from '../queue/worker.ts';
import { sendDueTlsReports } from '../reports/tls-rpt-send.ts';
import { sendDueDmarcReports } from '../reports/dmarc-send.ts';
import type { Config } from '../config/types.ts';
import { spamTrainerOf, startSpamTrainer } from '../spam/trainer.ts';
import { rspamdControllerUrl } from '../spam/rspamd.ts';
import { startRejectsExpiry } from '../spam/rejects-expiry.ts';
import { spamMetrics } from '../metrics/catalogue.ts';
import { hostnameProblem } from '../config/hostname.ts';
import type { RunningListener, ServerContext } from '../server-context.ts';

/** WAL checkpoints run this often on their own thread, keeping the WAL small without stalling commits. */
const CHECKPOINT_INTERVAL_MS = 500;

/** After stopping, the process exits by itself within this long even if a handle is still open. */
const STOPPED_EXIT_MS = 1000;

/** How often finished days' TLS and DMARC reports are looked for (a day's report goes out within this of midnight UTC). */
const TLS_REPORTS_INTERVAL_MS = 3600_000;

/** In-flight sessions get this long to finish after SIGTERM before the database closes anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

export async function serveCommand(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  if (args.positionals.length > 0) throw new UsageError(`usage: ${SERVE_USAGE}`);
  const config = configFor(args);
  const log = createLogger(config.log.level);
  const problem = hostnameProblem(config.hostname);
  if (problem) log.warn({ hostname: config.hostname }, problem);
  const ctx = await buildContext(config, log, configPath(flagString(args, 'config')));
  const removeGuard = installProcessGuard(log, ctx.metrics);
  const loopDelay = eventLoopGauge(ctx.metrics);
  const running: RunningListener[] = ctx.listeners ?? [];
  try {
    for (const spec of LISTENERS) {
      const address = config.listen[spec.name];
      if (!address) continue;
      const listener = await spec.start(ctx, address);
      running.push(listener);
      log.info({ listener: listener.name, host: listener.host, port: listener.port }, `listening for ${listener.name} on ${listener.host}:${listener.port}`);
    }
  } catch (err) {
    await Promise.allSettled(running.map((l) => l.close()));
    await ctx.store.close();
    loopDelay.stop();
    removeGuard();
    if (err instanceof BindError) throw new OperationError(err.message);
    throw err;
  }
  const acme = startAcme(ctx);
  // The outbound queue resumes whatever a previous run left in it.
  const worker = new QueueWorker(ctx);
  const stopRejectsExpiry = startRejectsExpiry(ctx.store, log, config.spam.rejects_keep_days);
  const unsubscribe = ctx.store.queue.onEnqueued(() => worker.kick());
  worker.start();
  const stopTlsReports = config.queue.tls_reports ? startTlsReports(ctx, worker) : () => {};
  const stopDmarcReports = config.inbound.dmarc_reports ? startDmarcReports(ctx) : () => {};
  log.info({ hostname: config.hostname, dataDir: config.data_dir, listeners: running.length }, 'postern is ready');
  // Keeps the process alive while it serves, even with every listener disabled.
  const alive = setInterval(() => {}, 1 << 30);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'shutting down');
      const grace = setTimeout(() => {
        log.warn('sessions still open after the grace period; closing anyway');
        resolve();
      }, SHUTDOWN_GRACE_MS);
      grace.unref();
      Promise.allSettled(running.map((l) => l.close())).then(() => {
        clearTimeout(grace);
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => {
      try {
        log.info({ cert: reloadCertificate(ctx) }, 'TLS certificate reloaded');
      } catch (err) {
        log.error({ err }, 'TLS certificate reload failed; keeping the previous one');
      }
    });
  });
  clearInterval(alive);
  stopRejectsExpiry();
  stopTlsReports();
  stopDmarcReports();
  acme?.stop();
  unsubscribe();
  await worker.stop();
  // A training batch in flight commits before the store closes (a delivery burst leaves some).
  await spamTrainerOf(ctx.store)?.stop();
  await ctx.store.close();
  loopDelay.stop();
  removeGuard();
  log.info('stopped');
  log.flush?.();
  // Everything is closed and durable; a socket or timer some library still holds must not keep a
  // stopped server alive (a service manager would wait for it, then kill it anyway).
  setTimeout(() => process.exit(process.exitCode ?? 0), STOPPED_EXIT_MS).unref();
}

/** `configFile` is the file config came from, copied into the automatic backup before a migration. */
export async function buildContext(config: Config, log: Logger, configFile: string | null = null): Promise<ServerContext> {
  let store: Store;
  try {
    ({ store } = await openStoreMigrated(config, {
      clock: systemClock, configFile, checkpointIntervalMs: CHECKPOINT_INTERVAL_MS, syncOffLoop: true,
      onBackup: (backup, pending) => log.info({ backup, pending }, `backed up the database to ${backup} before migrating`),
    }));
  } catch (err) {
    if (err instanceof SchemaTooNewError || err instanceof UpgradeError) throw new OperationError(err.message);
    throw err;
  }
  for (const m of store.applied) log.info({ migration: m.name }, 'applied migration');
  let certFile = config.tls.cert;
  let keyFile = config.tls.key;
  const acmeCert = acmeFiles(config.data_dir);
  if (config.tls.acme && fs.existsSync(acmeCert.cert) && fs.existsSync(acmeCert.key)) {
    certFile = acmeCert.cert;
    keyFile = acmeCert.key;
  } else if (!certFile || !keyFile) {
    // Loaded on demand: the X.509 toolkit is large and only needed when no certificate is configured.
    const { ensureSelfSigned } = await import('../tls/self-signed.ts');
    const made = await ensureSelfSigned(config.data_dir, config.hostname);
    certFile = made.certFile;
    keyFile = made.keyFile;
    if (!config.tls.acme) log.warn({ cert: certFile, created: made.created }, `no [tls] cert configured: using a self-signed certificate for ${config.hostname}; clients will warn until you configure a real one or enable [tls] acme`);
  }
  if (config.testing.allow_private_mx || config.testing.remote_smtp_port !== 25 || config.testing.spam_loopback_is_public) {
    log.warn({ testing: config.testing }, 'TESTING OVERRIDES ARE ON: outbound delivery may go to private addresses or a non-standard port, or loopback clients are judged as internet ones. Never use this in production.');
  }
  const metrics = createMetrics();
  storeGauges(metrics, () => [{ value: store.storageMetrics().walBytes }], () => [{ value: store.storageMetrics().walTruncations }]);
  // Filings (moves into and out of Junk, $Junk, $NotJunk) are applied to the classifier by this
  // trainer, whichever listener recorded them; it lives as long as the store.
  startSpamTrainer(store, log, spamMetrics(metrics), rspamdControllerUrl(config.spam.rspamd, config.spam.rspamd_controller));
  return {
    config,
    store,
    resolver: createResolver({ servers: config.dns.servers, timeoutMs: config.dns.timeout_ms, tries: config.dns.tries, cacheMs: config.dns.cache_s * 1000 }),
    log,
    tls: createTlsProvider(certFile, keyFile),
    clock: systemClock,
    throttle: new LoginThrottle(store.shared, { maxFailures: config.login.max_failures, lockoutS: config.login.lockout_s, ipv6Prefix: config.limits.ipv6_prefix }),
    metrics,
    listeners: [],
  };
}

/** Hourly: the finished days' TLS-RPT reports (RFC 8460) go out through the queue. */
function startTlsReports(ctx: ServerContext, worker: QueueWorker): () => void {
  const run = async () => {
    await worker.flushTlsResults();
    await sendDueTlsReports({ store: ctx.store, resolver: ctx.resolver, hostname: ctx.config.hostname, log: ctx.log, now: ctx.clock.now(), lifetimeMs: ctx.config.queue.lifetime_s * 1000 });
  };
  const timer = setInterval(() => { run().catch((err) => ctx.log.error({ err }, 'sending TLS reports failed')); }, TLS_REPORTS_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** Hourly ([inbound] dmarc_reports): the finished days' DMARC aggregate reports (RFC 7489 §7.2) go out through the queue. */
function startDmarcReports(ctx: ServerContext): () => void {
  const run = () => sendDueDmarcReports({ store: ctx.store, resolver: ctx.resolver, hostname: ctx.config.hostname, log: ctx.log, now: ctx.clock.now(), lifetimeMs: ctx.config.queue.lifetime_s * 1000 });
  const timer = setInterval(() => { run().catch((err) => ctx.log.error({ err }, 'sending DMARC reports failed')); }, TLS_REPORTS_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}

// [tls] acme: obtain the certificate in the background once the HTTP listener answers challenges;
// TLS listeners serve the self-signed placeholder (or the previous certificate) until then.
function startAcme(ctx: ServerContext): AcmeRenewal | null {
  const { config, log } = ctx;
  if (!config.tls.acme) return null;
  if (!config.listen.http) {
    log.error('[tls] acme needs the http listener for HTTP-01 challenges: enable [listen] http (port 80)');
    return null;
  }
  return startAcmeRenewal({
    settings: { directoryUrl: config.tls.acme_directory, email: config.tls.acme_email, dataDir: config.data_dir, ...(config.tls.acme_ca_file ? { caFile: config.tls.acme_ca_file } : {}) },
    names: async () => certificateNames(config.hostname, (await ctx.store.domains.list()).map((d) => d.name)),
    challenges: challengesFor(ctx),
    clock: ctx.clock,
    onRenewed: (reason) => {
      try {
        log.info({ reason, cert: reloadCertificate(ctx) }, 'ACME certificate obtained; TLS listeners reloaded');
      } catch (err) {
        log.error({ err }, 'ACME certificate stored but could not be loaded');
      }
    },
    onError: (err) => log.error({ err }, 'ACME order failed; keeping the current certificate and retrying later'),
  });
}
