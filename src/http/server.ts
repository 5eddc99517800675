// The HTTP listeners: `[listen] http` (port 80: ACME HTTP-01, autoconfig, health, metrics) and
// `[listen] https` (port 443: the MTA-STS policy, which RFC 8461 §3.3 requires over HTTPS, and
// autoconfig for clients that insist on TLS). Each reads a request with bounded size and time, hands
// it to routeHttp, writes the reply. What must always be true: a body over
// HTTP_MAX_BODY_BYTES is refused with 413 without being buffered, a slow client is cut off, and a
// failing route answers 500 instead of taking the process down.
import http from 'node:http';
import https from 'node:https';
import type tls from 'node:tls';
import { listenOn } from '../net/listen.ts';
import { HTTP_MAX_BODY_BYTES, HTTP_REQUEST_TIMEOUT_MS } from '../limits.ts';
import { serverMetrics } from '../metrics/catalogue.ts';
import { routeHttp, type HttpDeps, type HttpResponse } from './router.ts';

export interface RunningHttp {
  name: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

export interface HttpServerOptions {
  /** Serve HTTPS with these options (an SNICallback following certificate reloads). */
  tls?: tls.TlsOptions;
  onError?: (err: unknown) => void;
}

export async function startHttpServer(deps: HttpDeps, listen: { host: string; port: number }, options: HttpServerOptions = {}): Promise<RunningHttp> {
  const scheme = options.tls ? 'https' : 'http';
  const { connections, httpRequests: requests } = serverMetrics(deps.metrics);
  const limits = { requestTimeout: HTTP_REQUEST_TIMEOUT_MS, headersTimeout: HTTP_REQUEST_TIMEOUT_MS };
  const handler: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    const send = (r: HttpResponse) => {
      requests.inc({ scheme, code: r.status });
      res.writeHead(r.status, { ...r.headers, 'content-length': Buffer.byteLength(r.body) });
      res.end(req.method === 'HEAD' ? undefined : r.body);
    };
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > HTTP_MAX_BODY_BYTES) {
        refused = true;
        res.setHeader('connection', 'close');
        send({ status: 413, headers: { 'content-type': 'text/plain' }, body: 'request too large\n' });
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (refused) return;
      const url = new URL(req.url ?? '/', 'http://localhost');
      const host = (req.headers.host ?? '').toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
      routeHttp(deps, { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, host, body: Buffer.concat(chunks).toString('utf8') })
        .then(send, (err: unknown) => {
          options.onError?.(err);
          send({ status: 500, headers: { 'content-type': 'text/plain' }, body: 'internal error\n' });
        });
    });
    req.on('error', () => req.destroy());
  };
  const server = options.tls ? https.createServer({ ...options.tls, ...limits }, handler) : http.createServer(limits, handler);
  // Both schemes count as protocol `http`, as pop3s counts as pop3.
  server.on('connection', () => connections.inc({ protocol: 'http' }));
  const bound = await listenOn(server, listen, scheme);
  return {
    name: scheme,
    host: bound.host,
    port: bound.port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
