// Sending a delayed TCP ACK now. When the server has read a client's data and waits for more with
// nothing to say, Linux holds the ACK for up to 40 ms (delayed ACK, longer in interactive mode);
// a client with Nagle on holds its next small write until that ACK. imaplib writes an APPEND
// literal and its closing CRLF in two writes, so every APPEND waited 40 ms (22 msg/s). Dovecot
// sets TCP_QUICKACK after each read for the same reason; node:net has no setsockopt, so the
// optional addon in native/tcp-quickack does it. Always true: without the addon (not built, not
// Linux) ackNow is a no-op returning false, and nothing else changes.
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';

type QuickAck = (fd: number) => boolean;

function load(): QuickAck | null {
  try {
    return (createRequire(import.meta.url)('postern-tcp-quickack') as { quickAck: QuickAck }).quickAck;
  } catch {
    return null;
  }
}

const quickAck = load();

/** True when this process can send ACKs at once (the addon loaded). */
export const quickAckAvailable = quickAck !== null;

interface WithHandle { _handle?: { fd?: number } | null; _parent?: WithHandle | null }

/** The TCP file descriptor under a net.Socket or a server-side TLSSocket; -1 for other streams. */
function tcpFd(stream: Duplex): number {
  const s = stream as unknown as WithHandle;
  const fd = s._handle?.fd ?? s._parent?._handle?.fd;
  return typeof fd === 'number' ? fd : -1;
}

/** Asks the kernel to acknowledge what it has received on this socket now. */
export function ackNow(stream: Duplex): boolean {
  if (!quickAck) return false;
  const fd = tcpFd(stream);
  return fd >= 0 && quickAck(fd);
}
