// The TLS handshake of an implicit-TLS listener (RFC 8314 §3: imaps, pop3s, submissions), done on a
// socket the connection gate has already counted (and stripped of its PROXY header), so the limits
// bind before any handshake work. Always true: the handshake ends within `timeoutMs` or the socket is
// destroyed; `secured` is called at most once, only after the handshake completed; the secure context
// is the provider's current one, so a reloaded certificate serves the next connection.
import type net from 'node:net';
import tls from 'node:tls';

export function acceptTls(raw: net.Socket, context: tls.SecureContext, timeoutMs: number, secured: (socket: tls.TLSSocket) => void, failed: (err: Error | null) => void): void {
  const socket = new tls.TLSSocket(raw, { isServer: true, secureContext: context });
  let settled = false;
  const fail = (err: Error | null) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    socket.destroy();
    raw.destroy();
    failed(err);
  };
  const onError = (err: Error) => fail(err);
  const onClose = () => fail(null);
  const timer = setTimeout(() => fail(new Error(`TLS handshake not finished within ${timeoutMs} ms`)), timeoutMs);
  socket.on('error', onError);
  socket.once('close', onClose);
  socket.once('secure', () => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    socket.off('error', onError);
    socket.off('close', onClose);
    secured(socket);
  });
}
