// The POP3 listeners: `[listen] pop3` (plain, STLS offered; RFC 2595) and `[listen] pop3s` (TLS
// from the first byte; RFC 8314 §3.3). Each accepted connection becomes a Pop3Session.
// Always true: connection limits (per IP — IPv6 per /64 — and in total) are enforced at accept, for
// the client a trusted load balancer's PROXY header names (src/net/connection-gate.ts), before
// any TLS handshake (which must finish within TLS_HANDSHAKE_TIMEOUT_MS) and before a session starts; a
// refused plain connection gets a -ERR [SYS/TEMP] line, not silence; what one connection throws closes
// that connection only; close() stops accepting and ends the open sessions without entering UPDATE
// (nothing is deleted by a shutdown).
import net from 'node:net';
import type { ListenAddress } from '../config/types.ts';
import type { RunningListener, ServerContext } from '../server-context.ts';
import { listenOn } from '../net/listen.ts';
import { ConnectionLimiter } from '../net/connection-limiter.ts';
import { connectionGate, type Client } from '../net/connection-gate.ts';
import { acceptTls } from '../net/implicit-tls.ts';
import { parseProxyTrust } from '../config/proxy-trust.ts';
import { TLS_HANDSHAKE_TIMEOUT_MS } from '../limits.ts';
import { serverMetrics } from '../metrics/catalogue.ts';
import { err } from './protocol/response.ts';
import { Pop3Session } from './session.ts';
import { MaildropLocks } from './maildrop-locks.ts';

export interface Pop3ListenerOptions {
  /** The maildrop locks live in the store (shared by pop3, pop3s and every node); tests may pass their own. */
  locks?: MaildropLocks;
}

export function startPop3(ctx: ServerContext, listen: ListenAddress, options: Pop3ListenerOptions = {}): Promise<RunningListener> {
  return startListener('pop3', ctx, listen, false, options.locks ?? new MaildropLocks(ctx.store.shared));
}

export function startPop3s(ctx: ServerContext, listen: ListenAddress, options: Pop3ListenerOptions = {}): Promise<RunningListener> {
  return startListener('pop3s', ctx, listen, true, options.locks ?? new MaildropLocks(ctx.store.shared));
}

async function startListener(name: string, ctx: ServerContext, listen: ListenAddress, implicitTls: boolean, locks: MaildropLocks): Promise<RunningListener> {
  const open = new Set<net.Socket>();
  const metrics = serverMetrics(ctx.metrics);
  const serve = (socket: net.Socket, client: Client): void => {
    try {
      const session = new Pop3Session(socket, { ctx, remoteAddress: client.address, tls: implicitTls, tlsAvailable: true, locks });
      session.run().catch((e: unknown) => {
        metrics.connectionErrors.inc({ protocol: 'pop3' });
        ctx.log.error({ err: e, listener: name }, 'pop3 session failed; connection closed');
        socket.destroy();
      });
    } catch (e) {
      metrics.connectionErrors.inc({ protocol: 'pop3' });
      ctx.log.error({ err: e, listener: name }, 'pop3 connection setup failed; connection closed');
      socket.destroy();
    }
  };

  // Counted at accept, before any TLS handshake, under the client a trusted PROXY header names.
  const server = net.createServer(connectionGate({
    limiter: new ConnectionLimiter({
      maxPerIp: ctx.config.limits.connections_per_ip,
      maxTotal: ctx.config.limits.connections_total,
      ipv6Prefix: ctx.config.limits.ipv6_prefix,
    }),
    trust: parseProxyTrust(ctx.config.listen.proxy_protocol_from),
    refusal: () => (implicitTls ? null : err('Too many connections, try again later', 'SYS/TEMP')),
    refused: (reason) => metrics.connectionsRefused.inc({ protocol: 'pop3', reason }),
    proxyFailed: (reason, peer, detail) => {
      metrics.proxyHeadersRefused.inc({ protocol: 'pop3', reason });
      ctx.log.info({ listener: name, peer, reason, detail }, 'connection closed: bad PROXY header');
    },
    admitted: (raw, client) => {
      metrics.connections.inc({ protocol: 'pop3' });
      open.add(raw);
      raw.once('close', () => open.delete(raw));
      if (!implicitTls) return serve(raw, client);
      acceptTls(raw, ctx.tls.secureContext(), TLS_HANDSHAKE_TIMEOUT_MS, (secure) => serve(secure, client),
        (e) => ctx.log.debug({ err: e, listener: name }, 'pop3s handshake failed'));
    },
  }));

  const bound = await listenOn(server, listen, name);
  server.on('error', (e) => ctx.log.error({ err: e, listener: name }, 'pop3 listener error'));
  return {
    name,
    host: bound.host,
    port: bound.port,
    accepting: () => server.listening,
    close: () => new Promise<void>((done) => {
      server.close(() => done());
      for (const socket of open) socket.destroy();
    }),
  };
}
