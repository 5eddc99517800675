// Random identifiers as hex, drawn from one pooled buffer of CSPRNG bytes. Every delivery takes two
// (its queue/trace id and its EMAILID); `crypto.randomBytes` per id went into OpenSSL each time, 1.8%
// of inbound's busy time (bench/profiles.md, inbound). Always true: every byte of the pool is used
// once, so two ids never share bytes; the bytes are as random as randomBytes' own. Not for keys or
// secrets: those are made where they are needed, never from a pool that lives in the heap.
import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let at = POOL_BYTES;

/** `bytes` random bytes (at most POOL_BYTES) as 2 × bytes lowercase hex digits. */
export function randomHex(bytes: number): string {
  if (at + bytes > POOL_BYTES) {
    randomFillSync(pool);
    at = 0;
  }
  const out = pool.toString('hex', at, at + bytes);
  at += bytes;
  return out;
}
