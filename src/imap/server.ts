// The IMAP listeners: `[listen] imap` (plain, STARTTLS) and `[listen] imaps` (implicit TLS, RFC 8314).
// Both share one ImapServices per server context. Always true: connections over the per-IP or total
// limit get an untagged BYE and are closed before any session state is built; close() stops
// accepting and says BYE to every open session.
import net from 'node:net';
import tls from 'node:tls';
import type { ListenAddress } from '../config/types.ts';
import type { RunningListener, ServerContext } from '../server-context.ts';
import { listenOn } from '../net/listen.ts';
import { ImapServices } from './session/services.ts';
import { ImapSession } from './session/session.ts';
import { serverMetrics } from '../metrics/catalogue.ts';

const servicesByContext = new WeakMap<ServerContext, ImapServices>();

export function imapServices(ctx: ServerContext): ImapServices {
  let services = servicesByContext.get(ctx);
  if (!services) {
    services = new ImapServices(ctx.store, ctx.throttle, ctx.log, {
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
  const name = implicitTls ? 'imaps' : 'imap';
  const perIp = new Map<string, number>();
  const sessions = new Set<ImapSession>();
  const { connections_per_ip: maxPerIp, connections_total: maxTotal } = ctx.config.limits;

  const onConnection = (socket: net.Socket) => {
    const ip = socket.remoteAddress ?? '';
    const count = perIp.get(ip) ?? 0;
    socket.on('error', () => socket.destroy());
    // FETCH output goes out a page at a time; with Nagle the tail of each page waits for the
    // client's delayed ACK (measured: 40 ms per page, seconds per 100,000-message FETCH).
    socket.setNoDelay(true);
    if (count >= maxPerIp || sessions.size >= maxTotal) {
      services.metrics?.connectionsRefused.inc({ protocol: 'imap', reason: count >= maxPerIp ? 'per-ip' : 'total' });
      socket.end('* BYE Too many connections\r\n');
      return;
    }
    services.metrics?.connections.inc({ protocol: 'imap' });
    perIp.set(ip, count + 1);
    const session = new ImapSession(services, socket, { remoteAddress: ip, secure: implicitTls });
    sessions.add(session);
    socket.once('close', () => {
      sessions.delete(session);
      const n = (perIp.get(ip) ?? 1) - 1;
      if (n <= 0) perIp.delete(ip);
      else perIp.set(ip, n);
    });
    session.start();
  };

  const server = implicitTls
    ? tls.createServer({ ...ctx.tls.serverOptions() }, onConnection)
    : net.createServer(onConnection);
  if (implicitTls) server.on('tlsClientError', (_err, socket) => socket.destroy());
  const bound = await listenOn(server, address, name);
  return {
    name,
    host: bound.host,
    port: bound.port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sessions) s.logout('Server shutting down');
    }),
  };
}
