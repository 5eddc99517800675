// The ManageSieve listener (`[listen] managesieve`, RFC 5804 §1.8 port 4190): plain TCP with
// STARTTLS. Always true: connection limits (per IP, IPv6 per /64, and in total) are enforced at
// accept, before a session starts, and a refused client gets BYE (TRYLATER); what one connection
// throws closes that connection only; close() stops accepting and ends the open sessions.
import net from 'node:net';
import type { ListenAddress } from '../config/types.ts';
import type { RunningListener, ServerContext } from '../server-context.ts';
import { listenOn } from '../net/listen.ts';
import { ConnectionLimiter } from '../net/connection-limiter.ts';
import { serverMetrics } from '../metrics/catalogue.ts';
import { response } from './protocol.ts';
import { ManageSieveSession } from './session.ts';

export async function startManageSieve(ctx: ServerContext, listen: ListenAddress): Promise<RunningListener> {
  const open = new Set<net.Socket>();
  const metrics = serverMetrics(ctx.metrics);
  const limiter = new ConnectionLimiter({
    maxPerIp: ctx.config.limits.connections_per_ip,
    maxTotal: ctx.config.limits.connections_total,
    ipv6Prefix: ctx.config.limits.ipv6_prefix,
  });
  const server = net.createServer((socket) => {
    socket.on('error', () => socket.destroy());
    const admission = limiter.admit(socket.remoteAddress ?? '');
    if (!admission.admitted) {
      metrics.connectionsRefused.inc({ protocol: 'managesieve', reason: admission.reason });
      socket.end(response('BYE', 'Too many connections, try again later', 'TRYLATER'));
      return;
    }
    metrics.connections.inc({ protocol: 'managesieve' });
    open.add(socket);
    socket.once('close', () => { open.delete(socket); admission.release(); });
    try {
      new ManageSieveSession(socket, { ctx, remoteAddress: socket.remoteAddress ?? '', tls: false }).run().catch((e: unknown) => {
        metrics.connectionErrors.inc({ protocol: 'managesieve' });
        ctx.log.error({ err: e }, 'managesieve session failed; connection closed');
        socket.destroy();
      });
    } catch (e) {
      metrics.connectionErrors.inc({ protocol: 'managesieve' });
      ctx.log.error({ err: e }, 'managesieve connection setup failed; connection closed');
      socket.destroy();
    }
  });
  const bound = await listenOn(server, listen, 'managesieve');
  server.on('error', (e) => ctx.log.error({ err: e, listener: 'managesieve' }, 'managesieve listener error'));
  return {
    name: 'managesieve',
    host: bound.host,
    port: bound.port,
    accepting: () => server.listening,
    close: () => new Promise<void>((done) => {
      server.close(() => done());
      for (const socket of open) socket.destroy();
    }),
  };
}
