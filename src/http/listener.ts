// The HTTP and HTTPS listeners as serve starts them: builds the router's dependencies from the
// server context (our domains from the store, the ports clients should use from [listen], health
// from the database and the other listeners). What must always be true: /healthz fails when the
// database cannot commit or an enabled listener does not accept connections; HTTPS follows
// certificate reloads (SIGHUP, ACME renewal) through the TlsProvider's SNICallback.
import net from 'node:net';
import type { ListenAddress } from '../config/types.ts';
import type { RunningListener, ServerContext } from '../server-context.ts';
import { challengesFor } from '../tls/acme-challenges.ts';
import type { MailServices } from './autoconfig.ts';
import type { HealthCheck, HttpDeps } from './router.ts';
import { startHttpServer } from './server.ts';

/** A listener that does not accept a connection within this time is reported down. */
const HEALTH_CONNECT_TIMEOUT_MS = 1000;

export function startHttp(ctx: ServerContext, address: ListenAddress): Promise<RunningListener> {
  return startHttpServer(httpDeps(ctx), address, { onError: (err) => ctx.log.error({ err }, 'HTTP request failed') });
}

export function startHttps(ctx: ServerContext, address: ListenAddress): Promise<RunningListener> {
  return startHttpServer(httpDeps(ctx), address, { tls: ctx.tls.serverOptions(), onError: (err) => ctx.log.error({ err }, 'HTTPS request failed') });
}

export function httpDeps(ctx: ServerContext): HttpDeps {
  const { config } = ctx;
  return {
    hostname: config.hostname,
    services: servicesFrom(config.listen),
    // "none" is served as such: it is how a domain withdraws its policy (RFC 8461 §8.3).
    mtaSts: { mode: config.mta_sts.mode, maxAgeS: config.mta_sts.max_age_s },
    isLocalDomain: (domain) => ctx.store.domains.isLocal(domain),
    metrics: ctx.metrics,
    health: () => healthChecks(ctx),
    challenges: challengesFor(ctx),
  };
}

/** The ports to advertise to mail clients: the ones this server listens on. */
export function servicesFrom(listen: ServerContext['config']['listen']): MailServices {
  const out: MailServices = {};
  for (const key of ['imaps', 'imap', 'pop3s', 'pop3', 'submissions', 'submission'] as const) {
    const address = listen[key];
    if (address && address.port > 0) out[key] = address.port;
  }
  return out;
}

async function healthChecks(ctx: ServerContext): Promise<HealthCheck[]> {
  const checks: HealthCheck[] = [];
  const writable = await ctx.store.writable();
  checks.push({ name: 'database writable', ok: writable, ...(writable ? {} : { detail: 'a write transaction failed' }) });
  const listen = ctx.config.listen;
  for (const name of Object.keys(listen) as (keyof typeof listen)[]) {
    const address = listen[name];
    if (!address || name === 'http' || name === 'https' || address.port === 0) continue;
    const error = await tryConnect(address);
    checks.push({ name: `${name} listener ${address.host || '*'}:${address.port}`, ok: error === null, ...(error ? { detail: error } : {}) });
  }
  return checks;
}

function tryConnect(address: ListenAddress): Promise<string | null> {
  const host = address.host === '' || address.host === '0.0.0.0' ? '127.0.0.1' : address.host === '::' ? '::1' : address.host;
  return new Promise((resolve) => {
    const socket = net.connect({ host, port: address.port, timeout: HEALTH_CONNECT_TIMEOUT_MS });
    socket.once('connect', () => { socket.destroy(); resolve(null); });
    socket.once('timeout', () => { socket.destroy(); resolve('connection timed out'); });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}
