// What the HTTP listener answers, as a function from a parsed request to a response: client
// autoconfiguration, the MTA-STS policy, ACME HTTP-01 challenges, health and metrics. What must always
// be true: no route writes to a socket (server.ts does), documents are served only for domains we
// host, nothing here throws to the caller — our own failures become a 500/503 — and /healthz and
// /metrics are answered on a public listener only to a request carrying the configured bearer token
// (the ops listener, on loopback by default, serves them; issue 10 item 10).
import { autodiscoverRequestAddress, buildAutoconfigXml, buildAutodiscoverXml, type MailServices } from './autoconfig.ts';
import { mtaStsPolicy } from './mta-sts-policy.ts';
import type { AcmeChallenges } from '../tls/acme-challenges.ts';
import type { Metrics } from '../metrics/registry.ts';
import { timingSafeEqual } from 'node:crypto';

export interface HealthCheck { name: string; ok: boolean; detail?: string }

export interface HttpDeps {
  hostname: string;
  services: MailServices;
  mtaSts: { mode: 'testing' | 'enforce' | 'none'; maxAgeS: number };
  isLocalDomain(domain: string): Promise<boolean>;
  metrics: Metrics;
  health(): Promise<HealthCheck[]>;
  challenges: AcmeChallenges;
  /** `[ops] token`: when set, /healthz and /metrics need `Authorization: Bearer <token>` everywhere. */
  opsToken?: string;
}

/** Which routes a listener serves: the public ones, the operational ones, or (tests) both. */
export type RouteSet = 'public' | 'ops' | 'all';

export interface HttpRequest {
  method: string;
  /** The request target's path, percent-decoding left to the route. */
  path: string;
  query: URLSearchParams;
  /** The Host header without port, lower-cased. */
  host: string;
  body: string;
  /** The Authorization header ('' when absent). */
  authorization?: string;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const XML = 'application/xml; charset=utf-8';
const TEXT = 'text/plain; charset=utf-8';

function reply(status: number, contentType: string, body: string): HttpResponse {
  return { status, headers: { 'content-type': contentType, 'cache-control': 'no-store' }, body };
}

const notFound = (): HttpResponse => reply(404, TEXT, 'not found\n');

export async function routeHttp(deps: HttpDeps, req: HttpRequest, routes: RouteSet = 'all'): Promise<HttpResponse> {
  const path = req.path.toLowerCase();
  const isGet = req.method === 'GET' || req.method === 'HEAD';
  if (path === '/healthz' || path === '/metrics') {
    const token = deps.opsToken ?? '';
    const authorized = token !== '' && bearerMatches(req.authorization ?? '', token);
    if (routes === 'public' && !authorized) return notFound();
    // RFC 6750 §3: a missing or wrong token is 401 with a Bearer challenge.
    if (token !== '' && !authorized) return { ...reply(401, TEXT, 'unauthorized\n'), headers: { 'content-type': TEXT, 'www-authenticate': 'Bearer' } };
  } else if (routes === 'ops') {
    return notFound();
  }

  if (isGet && path.startsWith('/.well-known/acme-challenge/')) {
    // RFC 8555 §8.3: the body is the key authorization, served for the token the CA asks about.
    const keyAuthorization = deps.challenges.get(req.path.slice('/.well-known/acme-challenge/'.length));
    return keyAuthorization ? reply(200, 'application/octet-stream', keyAuthorization) : notFound();
  }

  // A document without an incoming or an outgoing server is one Thunderbird rejects: answer none.
  const s = deps.services;
  const servesClients = Boolean((s.imaps || s.imap || s.pop3s || s.pop3) && (s.submissions || s.submission));

  if (isGet && servesClients && (path === '/mail/config-v1.1.xml' || path === '/.well-known/autoconfig/mail/config-v1.1.xml')) {
    const email = req.query.get('emailaddress') ?? undefined;
    const target = await autoconfigDomain(deps, req.host, email);
    if (!target) return notFound();
    return reply(200, XML, buildAutoconfigXml({ hostname: deps.hostname, domain: target, services: deps.services, ...(email ? { emailAddress: email } : {}) }));
  }

  if (servesClients && path === '/autodiscover/autodiscover.xml' && (req.method === 'POST' || req.method === 'GET')) {
    const email = autodiscoverRequestAddress(req.body);
    const target = await autoconfigDomain(deps, req.host, email);
    if (!target) return notFound();
    return reply(200, XML, buildAutodiscoverXml({ hostname: deps.hostname, domain: target, services: deps.services, ...(email ? { emailAddress: email } : {}) }));
  }

  if (isGet && path === '/.well-known/mta-sts.txt') {
    // RFC 8461 §3.3: the policy is fetched from the host mta-sts.<policy domain>.
    if (!req.host.startsWith('mta-sts.')) return notFound();
    const domain = req.host.slice('mta-sts.'.length);
    if (!(await deps.isLocalDomain(domain))) return notFound();
    // The same text `dns records` derives the _mta-sts id from, so the id changes exactly when this does.
    return reply(200, TEXT, mtaStsPolicy(deps.hostname, deps.mtaSts.mode, deps.mtaSts.maxAgeS));
  }

  if (isGet && path === '/healthz') {
    const checks = await deps.health();
    const ok = checks.every((c) => c.ok);
    const lines = checks.map((c) => `${c.ok ? 'ok' : 'FAIL'} ${c.name}${c.detail ? ': ' + c.detail : ''}`);
    return reply(ok ? 200 : 503, TEXT, lines.join('\n') + '\n');
  }

  if (isGet && path === '/metrics') {
    return reply(200, 'text/plain; version=0.0.4; charset=utf-8', await deps.metrics.expose());
  }

  return notFound();
}

// The domain a client configuration is for: the address's domain when the client sent one (and we
// host it), else the name after "autoconfig." / "autodiscover." in Host, else our hostname's domain.
async function autoconfigDomain(deps: HttpDeps, host: string, email: string | undefined): Promise<string | undefined> {
  if (email !== undefined) {
    const at = email.lastIndexOf('@');
    const domain = at > 0 ? email.slice(at + 1).toLowerCase() : '';
    return domain && (await deps.isLocalDomain(domain)) ? domain : undefined;
  }
  const m = /^(?:autoconfig|autodiscover)\.(.+)$/.exec(host);
  if (m && (await deps.isLocalDomain(m[1]!))) return m[1]!;
  return deps.hostname.includes('.') ? deps.hostname.slice(deps.hostname.indexOf('.') + 1) : deps.hostname;
}

function bearerMatches(header: string, token: string): boolean {
  const m = /^Bearer +(\S+)\s*$/i.exec(header);
  if (!m) return false;
  const given = Buffer.from(m[1]!);
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}
