// The Sender Rewriting Scheme (Shevek's SRS, as postsrsd and libsrs2 implement it): a forwarded
// message's envelope sender becomes an address at our domain, so SPF passes at the receiver, and
// a bounce to that address finds its way back. SRS0=HASH=TT=domain=local@ours for a first hop,
// SRS1=HASH=firsthop==HASH=TT=domain=local@ours when the sender was already rewritten elsewhere.
// Always true: an address decodes only with a valid HMAC under our secret (compared
// case-insensitively, as SMTP may fold case) and a timestamp younger than SRS_MAX_AGE_DAYS; the
// secret lives in data_dir, created owner-only once.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SRS_MAX_AGE_DAYS } from '../limits.ts';

export { SRS_MAX_AGE_DAYS };

export const SRS_SECRET_FILE = 'srs.secret';
const HASH_LENGTH = 4;
// Timestamps are days modulo 1024 in two base32 characters (libsrs2).
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const DAY_MS = 86_400_000;

export class SrsError extends Error {}

export class Srs {
  private readonly secret: Buffer;

  constructor(secret: Buffer) {
    this.secret = secret;
  }

  private hash(...parts: string[]): string {
    const h = createHmac('sha1', this.secret);
    for (const p of parts) h.update(p.toLowerCase());
    return h.digest('base64').replace(/[+/=]/g, (c) => (c === '+' ? '-' : c === '/' ? '_' : '')).slice(0, HASH_LENGTH);
  }

  private checkHash(expected: string, given: string): boolean {
    const a = Buffer.from(expected.toLowerCase());
    const b = Buffer.from(given.toLowerCase());
    return a.length === b.length && timingSafeEqual(a, b);
  }

  private static timestamp(now: number): string {
    const days = Math.floor(now / DAY_MS) % 1024;
    return BASE32[days >> 5]! + BASE32[days & 31]!;
  }

  private static ageDays(ts: string, now: number): number {
    const upper = ts.toUpperCase();
    const hi = BASE32.indexOf(upper[0]!);
    const lo = BASE32.indexOf(upper[1]!);
    if (ts.length !== 2 || hi < 0 || lo < 0) return Infinity;
    const then = (hi << 5) | lo;
    const today = Math.floor(now / DAY_MS) % 1024;
    return (today - then + 1024) % 1024;
  }

  /** The envelope sender to use when forwarding mail from `sender` through `ourDomain`. '' stays ''. */
  forward(sender: string, ourDomain: string, now: number): string {
    if (sender === '') return '';
    const at = sender.lastIndexOf('@');
    if (at < 0) throw new SrsError(`cannot rewrite ${sender}: no domain`);
    const local = sender.slice(0, at);
    const domain = sender.slice(at + 1);
    if (domain.toLowerCase() === ourDomain.toLowerCase()) return sender;
    const srs0 = /^SRS0[-+=](.*)$/i.exec(local);
    const srs1 = /^SRS1[-+=]([^=]+)=([^=]*)==(.*)$/i.exec(local);
    if (srs1) {
      // Already SRS1: keep its first hop, re-hash for ours (libsrs2's "shortcut" for SRS1).
      const [, , firstHop, rest] = srs1;
      return `SRS1=${this.hash(firstHop!, rest!)}=${firstHop}==${rest}@${ourDomain}`;
    }
    if (srs0) {
      const rest = srs0[1]!;
      return `SRS1=${this.hash(domain, rest)}=${domain}==${rest}@${ourDomain}`;
    }
    const ts = Srs.timestamp(now);
    return `SRS0=${this.hash(ts, domain, local)}=${ts}=${domain}=${local}@${ourDomain}`;
  }

  /** True when the local part looks like SRS (whether or not it verifies). */
  static isSrs(address: string): boolean {
    return /^SRS[01][-+=]/i.test(address);
  }

  /**
   * The address a bounce to `address` goes to: the original sender (SRS0), or the previous
   * forwarder's SRS0 address (SRS1). Throws SrsError when the hash or the age is wrong.
   */
  reverse(address: string, now: number): string {
    const at = address.lastIndexOf('@');
    const local = at < 0 ? address : address.slice(0, at);
    const srs1 = /^SRS1[-+=]([^=]+)=([^=]+)==(.*)$/i.exec(local);
    if (srs1) {
      const [, hash, firstHop, rest] = srs1;
      if (!this.checkHash(this.hash(firstHop!, rest!), hash!)) throw new SrsError('SRS1 hash does not verify');
      return `SRS0=${rest}@${firstHop}`;
    }
    const srs0 = /^SRS0[-+=]([^=]+)=([^=]+)=([^=]+)=(.+)$/i.exec(local);
    if (!srs0) throw new SrsError('not an SRS address');
    const [, hash, ts, domain, orig] = srs0;
    if (!this.checkHash(this.hash(ts!, domain!, orig!), hash!)) throw new SrsError('SRS0 hash does not verify');
    if (Srs.ageDays(ts!, now) > SRS_MAX_AGE_DAYS) throw new SrsError('SRS0 address has expired');
    return `${orig}@${domain}`;
  }
}

const instances = new Map<string, Srs>();

/** The SRS of this data directory: its secret is read from, or created in, data_dir once. */
export function srsFor(dataDir: string): Srs {
  const file = path.resolve(dataDir, SRS_SECRET_FILE);
  let srs = instances.get(file);
  if (srs) return srs;
  let secret: Buffer;
  try {
    secret = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'hex');
  } catch {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const created = randomBytes(32).toString('hex');
    try {
      fs.writeFileSync(file, created + '\n', { mode: 0o600, flag: 'wx' });
      secret = Buffer.from(created, 'hex');
    } catch {
      // Another process created it first: use theirs.
      secret = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'hex');
    }
  }
  if (secret.length < 16) throw new SrsError(`${file} holds no usable secret`);
  srs = new Srs(secret);
  instances.set(file, srs);
  return srs;
}
