// The door of every TCP listener: what happens to a connection between accept and the protocol.
// A connection from a trusted load balancer (`[listen] proxy_protocol_from`) must begin with a PROXY
// header, whose source then stands for the client everywhere after (limits, logs, SPF, Received, the
// login throttle); any other connection is its socket's peer, and bytes that look like a PROXY header
// are left to the protocol as the garbage they are. Always true: a connection is counted by the
// listener's ConnectionLimiter before any protocol byte or TLS handshake is exchanged, under the
// client it is admitted as, and released once when its socket closes; a trusted connection whose
// header is malformed, oversized or late is closed uncounted and reported, and nothing else changes.
import type net from 'node:net';
import { PROXY_HEADER_TIMEOUT_MS } from '../limits.ts';
import type { ConnectionLimiter } from './connection-limiter.ts';
import { parseProxyHeader, type ProxiedSource } from './proxy-protocol.ts';
import type { ProxyTrust } from '../config/proxy-trust.ts';

/** Who a connection is from, as far as everything above the listener is concerned. */
export interface Client {
  address: string;
  port: number;
  /** True when a trusted load balancer's PROXY header named this client. */
  proxied: boolean;
}

export type RefusalReason = 'total' | 'per-ip';
export type ProxyFailure = 'invalid' | 'oversized' | 'timeout' | 'closed';

export interface GateOptions {
  limiter: ConnectionLimiter;
  trust: ProxyTrust;
  /** What a connection refused by a limit is told before it is closed; null: closed without a word
   *  (implicit TLS, where the client expects a handshake, not text). */
  refusal(reason: RefusalReason): string | null;
  refused(reason: RefusalReason, client: Client): void;
  proxyFailed(reason: ProxyFailure, peer: string, detail: string): void;
  /** The connection, admitted and counted until its socket closes; a PROXY header is already consumed. */
  admitted(socket: net.Socket, client: Client): void;
  headerTimeoutMs?: number;
}

/** A refused connection may linger this long for its reply to be read; it is not counted meanwhile. */
const REFUSAL_LINGER_MS = 2_000;

/** The 'connection' listener for a net.Server. */
export function connectionGate(options: GateOptions): (socket: net.Socket) => void {
  const admit = (socket: net.Socket, client: Client) => {
    const admission = options.limiter.admit(client.address);
    if (!admission.admitted) {
      options.refused(admission.reason, client);
      const text = options.refusal(admission.reason);
      if (text === null) socket.destroy();
      else {
        socket.end(text);
        socket.setTimeout(REFUSAL_LINGER_MS, () => socket.destroy());
      }
      return;
    }
    socket.once('close', admission.release);
    options.admitted(socket, client);
  };
  return (socket) => {
    socket.on('error', () => socket.destroy());
    const peer: Client = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0, proxied: false };
    if (!options.trust.trusts(peer.address)) return admit(socket, peer);
    readProxyHeader(socket, options.headerTimeoutMs ?? PROXY_HEADER_TIMEOUT_MS, (result) => {
      if ('failure' in result) {
        options.proxyFailed(result.failure, peer.address, result.detail);
        socket.destroy();
        return;
      }
      admit(socket, result.source ? { address: result.source.address, port: result.source.port, proxied: true } : peer);
    });
  };
}

type HeaderResult = { source: ProxiedSource | null } | { failure: ProxyFailure; detail: string };

/**
 * Reads the PROXY header off the front of `socket`, leaving every byte after it unread in the socket
 * for the protocol (or the TLS handshake) that follows. Paused-mode reads, so nothing past the header
 * is consumed and the socket is back in its initial state for whoever reads it next.
 */
function readProxyHeader(socket: net.Socket, timeoutMs: number, done: (result: HeaderResult) => void): void {
  let buffered: Buffer = Buffer.alloc(0);
  let finished = false;
  const finish = (result: HeaderResult) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    socket.off('readable', onReadable);
    socket.off('end', onGone);
    socket.off('close', onGone);
    done(result);
  };
  const onGone = () => finish({ failure: 'closed', detail: 'closed before a complete PROXY header' });
  const onReadable = () => {
    for (let chunk = socket.read() as Buffer | null; chunk !== null && !finished; chunk = socket.read() as Buffer | null) {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      const parsed = parseProxyHeader(buffered);
      // The parser decides within PROXY_HEADER_MAX_BYTES, so no more than that (plus one read) is held.
      if (parsed.kind === 'incomplete') continue;
      if (parsed.kind === 'invalid') return finish({ failure: parsed.oversized ? 'oversized' : 'invalid', detail: parsed.reason });
      const rest = buffered.subarray(parsed.length);
      if (rest.length > 0) socket.unshift(rest);
      return finish({ source: parsed.source });
    }
  };
  const timer = setTimeout(() => finish({ failure: 'timeout', detail: `no PROXY header within ${timeoutMs} ms` }), timeoutMs);
  socket.on('readable', onReadable);
  socket.once('end', onGone);
  socket.once('close', onGone);
}
