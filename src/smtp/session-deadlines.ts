// Absolute time limits on an SMTP connection, beside smtp-server's idle timer (which a client
// resets with every byte): before authentication on submission, and for the transfer of DATA on
// both listeners. Always true: a connection past a limit gets one 421 reply and is closed; the
// timers die with the socket, so a closed connection leaves nothing behind.
import type net from 'node:net';

/** What this module needs of smtp-server's SMTPConnection. */
export interface DeadlineConnection {
  id: string;
  session: { user?: unknown };
  send(code: number, data: unknown, context?: unknown): void;
  close(): void;
}

/** Pure: has a transfer that started `elapsedMs` ago fallen below `minBytesPerS` on average, after the grace period? */
export function transferTooSlow(bytes: number, elapsedMs: number, minBytesPerS: number, graceMs: number): boolean {
  return minBytesPerS > 0 && elapsedMs >= graceMs && bytes < (minBytesPerS * elapsedMs) / 1000;
}

/** Closes `conn` with 421 unless it has authenticated within `ms` of now (RFC 5321 §4.2.3: 421 closes). */
export function armAuthDeadline(conn: DeadlineConnection, socket: net.Socket, ms: number): void {
  const timer = setTimeout(() => {
    if (conn.session.user) return;
    conn.send(421, '4.7.0 Time limit for authentication exceeded, closing connection');
    conn.close();
  }, ms);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

/**
 * Watches a DATA transfer: `bytes()` is what has arrived so far. Checked from the end of the grace
 * period on; when the average falls below the minimum, `conn` gets 421 and is closed. Returns the
 * function that stops watching (call it at the end of DATA).
 */
export function watchDataRate(conn: DeadlineConnection, bytes: () => number, minBytesPerS: number, graceMs: number, now: () => number = Date.now): () => void {
  if (minBytesPerS <= 0) return () => {};
  const started = now();
  let timer: NodeJS.Timeout | null = null;
  const check = () => {
    if (transferTooSlow(bytes(), now() - started, minBytesPerS, graceMs)) {
      timer = null;
      conn.send(421, '4.4.2 Message transfer too slow, closing connection');
      conn.close();
      return;
    }
    // Check again when the bytes so far would next fall behind the required average.
    const dueAt = Math.max(graceMs, (bytes() * 1000) / minBytesPerS);
    timer = setTimeout(check, Math.max(100, dueAt - (now() - started)));
    timer.unref();
  };
  timer = setTimeout(check, graceMs);
  timer.unref();
  return () => { if (timer) clearTimeout(timer); timer = null; };
}
