// Binding a listener, with the failure an operator can act on: a port that cannot be bound stops
// the program naming the port and the remedies, instead of a bare EACCES stack trace.
// Always true: every accepted TCP socket of every listener has Nagle off (TCP_NODELAY).
import type net from 'node:net';
import type { ListenAddress } from '../config/types.ts';

export class BindError extends Error {}

export function listenOn(server: net.Server, address: ListenAddress, name: string): Promise<{ host: string; port: number }> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const where = `${address.host || '*'}:${address.port}`;
      if (err.code === 'EACCES') {
        reject(new BindError(`cannot listen on ${where} for ${name}: permission denied. Ports below 1024 need root or CAP_NET_BIND_SERVICE (setcap 'cap_net_bind_service=+ep' "$(command -v node)"), or choose another port in [listen] ${name}`));
      } else if (err.code === 'EADDRINUSE') {
        reject(new BindError(`cannot listen on ${where} for ${name}: the address is in use by another program (find it with "ss -ltnp"), or choose another port in [listen] ${name}, or disable it with ${name} = false`));
      } else if (err.code === 'EADDRNOTAVAIL') {
        reject(new BindError(`cannot listen on ${where} for ${name}: no such local address; fix [listen] ${name}`));
      } else reject(err);
    };
    server.once('error', onError);
    // Every protocol here writes a reply and then waits for the client: with Nagle a reply's tail
    // sits in the kernel until the client's delayed ACK (40 ms), which an APPEND whose literal came
    // in two writes, a pipelined SMTP batch or a paged FETCH (40 ms per page, seconds per
    // 100,000-message FETCH) each paid per exchange. For TLS
    // listeners this is the raw TCP socket beneath the TLS one.
    server.prependListener('connection', (socket: net.Socket) => socket.setNoDelay(true));
    server.listen({ port: address.port, host: address.host || undefined }, () => {
      server.off('error', onError);
      const bound = server.address() as net.AddressInfo;
      resolve({ host: bound.address, port: bound.port });
    });
  });
}
