// The HTTP listeners as serve starts them: `http` and `https` (public: autoconfig, MTA-STS, ACME) and
// `ops` (/healthz and /metrics, on loopback by default), with the router's dependencies built from the
// server context. What must always be true: /healthz fails when the database cannot commit or an
// enabled listener no longer accepts connections, and it finds that out in process — it never opens
// a connection to a listener (which would count as a client and could be refused by the very limits
// it reports on); its result is cached for HEALTH_CACHE_MS, so scraping it cannot load the database;
// HTTPS follows certificate reloads (SIGHUP, ACME renewal) through the TlsProvider's SNICallback.
import type { ListenAddress } from '../config/types.ts';
import type { RunningListener, ServerContext } from '../server-context.ts';
import { challengesFor } from '../tls/acme-challenges.ts';
import type { MailServices } from './autoconfig.ts';
import type { HealthCheck, HttpDeps } from './router.ts';
import { startHttpServer } from './server.ts';

/** A health result is reused this long: a scraper (or an attacker) polling /healthz costs one
 *  database write per window, not one per request. */
const HEALTH_CACHE_MS = 3000;

export function startHttp(ctx: ServerContext, address: ListenAddress): Promise<RunningListener> {
  return startHttpServer(httpDeps(ctx), address, { routes: 'public', onError: (err) => ctx.log.error({ err }, 'HTTP request failed') });
}

export function startHttps(ctx: ServerContext, address: ListenAddress): Promise<RunningListener> {
  return startHttpServer(httpDeps(ctx), address, { routes: 'public', tls: ctx.tls.serverOptions(), onError: (err) => ctx.log.error({ err }, 'HTTPS request failed') });
}

export async function startOps(ctx: ServerContext, address: ListenAddress): Promise<RunningListener> {
  const running = await startHttpServer(httpDeps(ctx), address, { routes: 'ops', label: 'ops', onError: (err) => ctx.log.error({ err }, 'ops request failed') });
  return { ...running, name: 'ops' };
}

const healthByContext = new WeakMap<ServerContext, () => Promise<HealthCheck[]>>();

export function httpDeps(ctx: ServerContext): HttpDeps {
  const { config } = ctx;
  let health = healthByContext.get(ctx);
  if (!health) {
    health = cached(() => healthChecks(ctx), HEALTH_CACHE_MS, () => ctx.clock.now());
    healthByContext.set(ctx, health);
  }
  return {
    hostname: config.hostname,
    services: servicesFrom(config.listen),
    // "none" is served as such: it is how a domain withdraws its policy (RFC 8461 §8.3).
    mtaSts: { mode: config.mta_sts.mode, maxAgeS: config.mta_sts.max_age_s },
    isLocalDomain: (domain) => ctx.store.domains.isLocal(domain),
    metrics: ctx.metrics,
    health,
    challenges: challengesFor(ctx),
    ...(config.ops.token ? { opsToken: config.ops.token } : {}),
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

/** One computation shared by every caller within `ttlMs` (and by callers arriving while it runs). */
function cached<T>(compute: () => Promise<T>, ttlMs: number, now: () => number): () => Promise<T> {
  let value: Promise<T> | null = null;
  let at = 0;
  return () => {
    if (value === null || now() - at >= ttlMs) {
      at = now();
      value = compute();
      value.catch(() => { value = null; });
    }
    return value;
  };
}

async function healthChecks(ctx: ServerContext): Promise<HealthCheck[]> {
  const checks: HealthCheck[] = [];
  const writable = await ctx.store.writable();
  checks.push({ name: 'database writable', ok: writable, ...(writable ? {} : { detail: 'a write transaction failed' }) });
  for (const l of ctx.listeners ?? []) {
    if (l.name === 'http' || l.name === 'https' || l.name === 'ops' || !l.accepting) continue;
    const ok = l.accepting();
    checks.push({ name: `${l.name} listener ${l.host}:${l.port}`, ok, ...(ok ? {} : { detail: 'not accepting connections' }) });
  }
  return checks;
}
