// The POP3 listeners: `[listen] pop3` (plain, STLS offered; RFC 2595) and `[listen] pop3s` (TLS
// from the first byte; RFC 8314 §3.3). Each accepted connection becomes a Pop3Session.
// Always true: connection limits (per IP and in total) are enforced before a session starts, and a
// refused connection gets a -ERR [SYS/TEMP] line, not silence; close() stops accepting and ends
// the open sessions without entering UPDATE (nothing is deleted by a shutdown).
import net from 'node:net';
import tls from 'node:tls';
import type { ListenAddress } from '../config/types.ts';
import type { RunningListener, ServerContext } from '../server-context.ts';
import { listenOn } from '../net/listen.ts';
import { serverMetrics } from '../metrics/catalogue.ts';
import { err } from './protocol/response.ts';
import { Pop3Session } from './session.ts';
import { processMaildropLocks, type MaildropLocks } from './maildrop-locks.ts';

export interface Pop3ListenerOptions {
  /** Shared by pop3 and pop3s so one maildrop has one session across both; tests may pass their own. */
  locks?: MaildropLocks;
}

export function startPop3(ctx: ServerContext, listen: ListenAddress, options: Pop3ListenerOptions = {}): Promise<RunningListener> {
  return startListener('pop3', ctx, listen, false, options.locks ?? processMaildropLocks);
}

export function startPop3s(ctx: ServerContext, listen: ListenAddress, options: Pop3ListenerOptions = {}): Promise<RunningListener> {
  return startListener('pop3s', ctx, listen, true, options.locks ?? processMaildropLocks);
}

async function startListener(name: string, ctx: ServerContext, listen: ListenAddress, implicitTls: boolean, locks: MaildropLocks): Promise<RunningListener> {
  const perIp = new Map<string, number>();
  const open = new Set<net.Socket>();
  const { connections, connectionsRefused } = serverMetrics(ctx.metrics);

  const accept = (socket: net.Socket): void => {
    const ip = socket.remoteAddress ?? '';
    const fromIp = perIp.get(ip) ?? 0;
    if (fromIp >= ctx.config.limits.connections_per_ip || open.size >= ctx.config.limits.connections_total) {
      connectionsRefused.inc({ protocol: 'pop3', reason: fromIp >= ctx.config.limits.connections_per_ip ? 'per-ip' : 'total' });
      socket.on('error', () => {});
      socket.end(err('Too many connections, try again later', 'SYS/TEMP'));
      return;
    }
    perIp.set(ip, fromIp + 1);
    open.add(socket);
    connections.inc({ protocol: 'pop3' });
    const session = new Pop3Session(socket, { ctx, remoteAddress: ip, tls: implicitTls, tlsAvailable: true, locks });
    void session.run().finally(() => {
      open.delete(socket);
      const left = (perIp.get(ip) ?? 1) - 1;
      if (left > 0) perIp.set(ip, left);
      else perIp.delete(ip);
    });
  };

  const server = implicitTls
    ? tls.createServer({ ...ctx.tls.serverOptions() }, accept)
    : net.createServer(accept);
  if (implicitTls) server.on('tlsClientError', (e) => ctx.log.debug({ err: e, listener: name }, 'pop3s handshake failed'));

  const bound = await listenOn(server, listen, name);
  server.on('error', (e) => ctx.log.error({ err: e, listener: name }, 'pop3 listener error'));
  return {
    name,
    host: bound.host,
    port: bound.port,
    close: () => new Promise<void>((done) => {
      server.close(() => done());
      for (const socket of open) socket.destroy();
    }),
  };
}
