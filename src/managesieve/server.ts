// The ManageSieve listener (`[listen] managesieve`, RFC 5804 §1.8 port 4190): plain TCP with
// STARTTLS. Always true: connection limits (per IP, IPv6 per /64, and in total) are enforced at
// accept, before a session starts, and a refused client gets BYE (TRYLATER); what one connection
// throws closes that connection only; close() stops accepting and ends the open sessions.
import net from 'node:net';
import type { ListenAddress } from '../config/types.ts';
import type { RunningListener, ServerContext } from '../server-context.ts';
import { listenOn } from '../net/listen.ts';
import { ConnectionLimiter } from '../net/connection-limiter.ts';
import { connectionGate } from '../net/connection-gate.ts';
import { parseProxyTrust } from '../config/proxy-trust.ts';
import { serverMetrics } from '../metrics/catalogue.ts';
import { response } from './protocol.ts';
import { ManageSieveSession } from './session.ts';

export async function startManageSieve(ctx: ServerContext, listen: ListenAddress): Promise<RunningListener> {
  const open = new Set<net.Socket>();
  const metrics = serverMetrics(ctx.metrics);
  // Counted at accept, under the client a trusted load balancer's PROXY header names.
  const server = net.createServer(connectionGate({
    limiter: new ConnectionLimiter({
      maxPerIp: ctx.config.limits.connections_per_ip,
      maxTotal: ctx.config.limits.connections_total,
      ipv6Prefix: ctx.config.limits.ipv6_prefix,
    }),
    trust: parseProxyTrust(ctx.config.listen.proxy_protocol_from),
    refusal: () => response('BYE', 'Too many connections, try again later', 'TRYLATER'),
    refused: (reason) => metrics.connectionsRefused.inc({ protocol: 'managesieve', reason }),
    proxyFailed: (reason, peer, detail) => {
      metrics.proxyHeadersRefused.inc({ protocol: 'managesieve', reason });
      ctx.log.info({ listener: 'managesieve', peer, reason, detail }, 'connection closed: bad PROXY header');
    },
    admitted: (socket, client) => {
      metrics.connections.inc({ protocol: 'managesieve' });
      open.add(socket);
      socket.once('close', () => open.delete(socket));
      try {
        new ManageSieveSession(socket, { ctx, remoteAddress: client.address, tls: false }).run().catch((e: unknown) => {
          metrics.connectionErrors.inc({ protocol: 'managesieve' });
          ctx.log.error({ err: e }, 'managesieve session failed; connection closed');
          socket.destroy();
        });
      } catch (e) {
        metrics.connectionErrors.inc({ protocol: 'managesieve' });
        ctx.log.error({ err: e }, 'managesieve connection setup failed; connection closed');
        socket.destroy();
      }
    },
  }));
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
