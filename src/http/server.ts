// The HTTP listeners: `[listen] http` (port 80: ACME HTTP-01, autoconfig, health, metrics) and
// `[listen] https` (port 443: the MTA-STS policy, which RFC 8461 §3.3 requires over HTTPS, and
// autoconfig for clients that insist on TLS). Each reads a request with bounded size and time, hands
// it to routeHttp, writes the reply. What must always be true: a body over
// HTTP_MAX_BODY_BYTES is refused with 413 without being buffered, a slow client is cut off, a request
// target or header no parser accepts is a 400, and nothing thrown while serving one request — by a
// route or by this file — takes the process down: it is answered 500 (or the connection closed),
// logged and counted.
import http from 'node:http';
import https from 'node:https';
import type tls from 'node:tls';
import { listenOn } from '../net/listen.ts';
import { HTTP_MAX_BODY_BYTES, HTTP_REQUEST_TIMEOUT_MS } from '../limits.ts';
import { serverMetrics } from '../metrics/catalogue.ts';
import { routeHttp, type HttpDeps, type HttpResponse } from './router.ts';
import { parseHostHeader, parseRequestTarget } from './request-target.ts';

export interface RunningHttp {
  name: string;
  host: string;
  port: number;
  accepting(): boolean;
  close(): Promise<void>;
}

export interface HttpServerOptions {
  /** Serve HTTPS with these options (an SNICallback following certificate reloads). */
  tls?: tls.TlsOptions;
  onError?: (err: unknown) => void;
  /** The scheme label in metrics (the ops listener is plain HTTP but counted apart). */
  label?: string;
  /** Which routes this listener serves (default: every route). */
  routes?: 'public' | 'ops' | 'all';
}

export async function startHttpServer(deps: HttpDeps, listen: { host: string; port: number }, options: HttpServerOptions = {}): Promise<RunningHttp> {
  const scheme = options.label ?? (options.tls ? 'https' : 'http');
  const metrics = serverMetrics(deps.metrics);
  const { connections, httpRequests: requests } = metrics;
  const limits = { requestTimeout: HTTP_REQUEST_TIMEOUT_MS, headersTimeout: HTTP_REQUEST_TIMEOUT_MS };
  const failed = (err: unknown, req: http.IncomingMessage, res: http.ServerResponse) => {
    metrics.connectionErrors.inc({ protocol: 'http' });
    options.onError?.(Object.assign(err instanceof Error ? err : new Error(String(err)), { method: req.method, target: String(req.url).slice(0, 200) }));
    if (res.headersSent) res.destroy();
    else {
      res.setHeader('connection', 'close');
      send(req, res, { status: 500, headers: { 'content-type': 'text/plain' }, body: 'internal error\n' });
    }
  };
  const send = (req: http.IncomingMessage, res: http.ServerResponse, r: HttpResponse) => {
    requests.inc({ scheme, code: r.status });
    res.writeHead(r.status, { ...r.headers, 'content-length': Buffer.byteLength(r.body) });
    res.end(req.method === 'HEAD' ? undefined : r.body);
  };
  const badRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    res.setHeader('connection', 'close');
    send(req, res, { status: 400, headers: { 'content-type': 'text/plain' }, body: 'bad request\n' });
    req.resume();
  };
  const handler: http.RequestListener = (req, res) => {
    try {
      const target = parseRequestTarget(req.url ?? '', req.method ?? 'GET');
      const host = parseHostHeader(req.headers.host);
      if (target === null || host === null) return badRequest(req, res);
      const chunks: Buffer[] = [];
      let size = 0;
      let refused = false;
      req.on('data', (chunk: Buffer) => {
        if (refused) return;
        size += chunk.length;
        if (size > HTTP_MAX_BODY_BYTES) {
          refused = true;
          res.setHeader('connection', 'close');
          send(req, res, { status: 413, headers: { 'content-type': 'text/plain' }, body: 'request too large\n' });
          req.destroy();
          return;
        }
        chunks.push(chunk);
      });
      req.on('end', () => {
        if (refused) return;
        try {
          const request = { method: req.method ?? 'GET', path: target.path, query: target.query, host, body: Buffer.concat(chunks).toString('utf8'), authorization: req.headers.authorization ?? '' };
          routeHttp(deps, request, options.routes ?? 'all').then((r) => send(req, res, r), (err: unknown) => failed(err, req, res));
        } catch (err) {
          failed(err, req, res);
        }
      });
      req.on('error', () => req.destroy());
    } catch (err) {
      failed(err, req, res);
    }
  };
  const server = options.tls ? https.createServer({ ...options.tls, ...limits }, handler) : http.createServer(limits, handler);
  // Both schemes count as protocol `http`, as pop3s counts as pop3; scrapes of the ops listener are
  // not client connections.
  if (scheme !== 'ops') server.on('connection', () => connections.inc({ protocol: 'http' }));
  // A request line or header Node's parser refuses (RFC 9112 §3: 400; §5: 431 for oversized headers).
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    requests.inc({ scheme, code: status });
    if (socket.writable) socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    else socket.destroy();
  });
  const bound = await listenOn(server, listen, scheme);
  return {
    name: scheme,
    host: bound.host,
    port: bound.port,
    accepting: () => server.listening,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
