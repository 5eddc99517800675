// Password hashing with scrypt (memory-hard), stored as a PHC string:
//   $scrypt$ln=15,r=8,p=1$<salt b64>$<hash b64>
// Verification reads the parameters from the string, so they can be raised later without
// invalidating existing hashes. Hashing runs on libuv's thread pool, off the event loop.
import crypto from 'node:crypto';

const LN = 15; // N = 2^15: 32 MiB per hash with r=8, the OWASP-recommended minimum for scrypt
const R = 8;
const P = 1;
const KEY_LENGTH = 32;

function scrypt(password: string, salt: Buffer, ln: number, r: number, p: number, keylen: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    crypto.scrypt(password.normalize('NFC'), salt, keylen, { N: 2 ** ln, r, p, maxmem: 256 * 2 ** ln * r + 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(16);
  const hash = await scrypt(password, salt, LN, R, P, KEY_LENGTH);
  return `$scrypt$ln=${LN},r=${R},p=${P}$${b64(salt)}$${b64(hash)}`;
}

const PHC = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

export async function verifyPassword(password: string, phc: string): Promise<boolean> {
  const m = PHC.exec(phc);
  if (!m) return false;
  const expected = Buffer.from(m[5]!, 'base64');
  const actual = await scrypt(password, Buffer.from(m[4]!, 'base64'), Number(m[1]), Number(m[2]), Number(m[3]), expected.length);
  return crypto.timingSafeEqual(actual, expected);
}
