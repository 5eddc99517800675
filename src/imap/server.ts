// The IMAP listeners: `[listen] imap` (plain, STARTTLS) and `[listen] imaps` (implicit TLS, RFC 8314).
// Both share one ImapServices per server context, which carries the command table (commands/registry.ts) to every session. Always true: a connection is counted at accept,
// as the client a trusted load balancer's PROXY header names (src/net/connection-gate.ts), before any TLS handshake (which must finish within TLS_HANDSHAKE_TIMEOUT_MS); one over the per-IP
// (IPv6: per /64) or total limit is closed before any session state is built (with an untagged BYE
// where the connection is plain); nothing one connection throws ends the process — it closes that
// connection and is logged and counted; close() stops accepting and says BYE to every open session.
import net from 'node:net';
import type { ListenAddress } from '../config/types.ts';
import type { RunningListener, ServerContext } from '../server-context.ts';
import { listenOn } from '../net/listen.ts';
import { ConnectionLimiter } from '../net/connection-limiter.ts';
import { connectionGate, type Client } from '../net/connection-gate.ts';
import { acceptTls } from '../net/implicit-tls.ts';
import { parseProxyTrust } from '../config/proxy-trust.ts';
import { ImapServices } from './session/services.ts';
import { ImapSession } from './session/session.ts';
import { COMMANDS } from './commands/registry.ts';
import { serverMetrics } from '../metrics/catalogue.ts';
import { TLS_HANDSHAKE_TIMEOUT_MS } from '../limits.ts';

/** After BYE to every session on close(), connections left open are cut after this long. */
const SHUTDOWN_BYE_MS = 250;

const servicesByContext = new WeakMap<ServerContext, ImapServices>();

export function imapServices(ctx: ServerContext): ImapServices {
  let services = servicesByContext.get(ctx);
  if (!services) {
    services = new ImapServices(COMMANDS, ctx.store, ctx.throttle, ctx.log, {
      hostname: ctx.config.hostname,
      allowPlaintextLoopback: ctx.config.imap.allow_plaintext_loopback,
      maxMessageSize: ctx.config.limits.message_size,
      maxSessionsPerUser: ctx.config.imap.max_sessions_per_user,
      idleKeepAliveSeconds: ctx.config.imap.idle_keepalive_s,
    }, () => ctx.tls.secureContext(), serverMetrics(ctx.metrics));
    servicesByContext.set(ctx, services);
  }
  return services;
}

export async function startImapListener(ctx: ServerContext, address: ListenAddress, implicitTls: boolean): Promise<RunningListener> {
  const services = imapServices(ctx);
  const metrics = serverMetrics(ctx.metrics);
  const name = implicitTls ? 'imaps' : 'imap';
  const sessions = new Set<ImapSession>();
  const sockets = new Set<net.Socket>();
  const serve = (socket: net.Socket, client: Client) => {
    try {
      // FETCH output goes out a page at a time; with Nagle the tail of each page waits for the
      // client's delayed ACK (measured: 40 ms per page, seconds per 100,000-message FETCH).
      socket.setNoDelay(true);
      socket.on('error', () => socket.destroy());
      const session = new ImapSession(services, socket, { remoteAddress: client.address, secure: implicitTls });
      sessions.add(session);
      socket.once('close', () => sessions.delete(session));
      session.start();
    } catch (err) {
      metrics.connectionErrors.inc({ protocol: 'imap' });
      ctx.log.error({ err, listener: name, ip: client.address }, 'IMAP connection setup failed; connection closed');
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
    // On imaps the client expects a handshake, not text: just close.
    refusal: () => (implicitTls ? null : '* BYE Too many connections\r\n'),
    refused: (reason) => metrics.connectionsRefused.inc({ protocol: 'imap', reason }),
    proxyFailed: (reason, peer, detail) => {
      metrics.proxyHeadersRefused.inc({ protocol: 'imap', reason });
      ctx.log.info({ listener: name, peer, reason, detail }, 'connection closed: bad PROXY header');
    },
    admitted: (raw, client) => {
      metrics.connections.inc({ protocol: 'imap' });
      sockets.add(raw);
      raw.once('close', () => sockets.delete(raw));
      if (!implicitTls) return serve(raw, client);
      acceptTls(raw, ctx.tls.secureContext(), TLS_HANDSHAKE_TIMEOUT_MS, (secure) => serve(secure, client), () => {});
    },
  }));
  server.on('error', (err) => ctx.log.error({ err, listener: name }, 'IMAP listener error'));
  const bound = await listenOn(server, address, name);
  return {
    name,
    host: bound.host,
    port: bound.port,
    accepting: () => server.listening,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sessions) s.logout('Server shutting down');
      // Connections still in their TLS handshake have no session to say BYE; the others had a
      // moment to send theirs.
      setTimeout(() => { for (const raw of sockets) raw.destroy(); }, SHUTDOWN_BYE_MS).unref();
    }),
  };
}
