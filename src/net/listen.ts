// Binding a listener, with the failure an operator can act on: a port that cannot be bound stops
// the program naming the port and the remedies, instead of a bare EACCES stack trace.
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
    server.listen({ port: address.port, host: address.host || undefined }, () => {
      server.off('error', onError);
      const bound = server.address() as net.AddressInfo;
      resolve({ host: bound.address, port: bound.port });
    });
  });
}
