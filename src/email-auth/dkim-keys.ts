// DKIM key generation for a new domain: one RSA-2048 and one Ed25519 key (RFC 8463), each under its
// own selector, so receivers that do not know Ed25519 still verify the RSA signature. Selectors
// carry the month of creation, so a later rotation gets new selectors and both can be published.
import crypto from 'node:crypto';
import type { DkimKey } from '../store/domains.ts';

export function generateDkimKeys(now: Date): DkimKey[] {
  const stamp = `${now.getUTCFullYear()}${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
  const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ed = crypto.generateKeyPairSync('ed25519');
  return [
    {
      selector: `${stamp}r`,
      algorithm: 'rsa-sha256',
      privateKeyPem: rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      // RFC 6376 §3.6.1: p= is the base64 SubjectPublicKeyInfo.
      publicKey: rsa.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    },
    {
      selector: `${stamp}e`,
      algorithm: 'ed25519-sha256',
      privateKeyPem: ed.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      // RFC 8463 §4.2: p= is the bare 32-byte public key, not SPKI.
      publicKey: ed.publicKey.export({ type: 'spki', format: 'der' }).subarray(-32).toString('base64'),
    },
  ];
}

/** The TXT value published at SELECTOR._domainkey.DOMAIN. */
export function dkimTxt(key: Pick<DkimKey, 'algorithm' | 'publicKey'>): string {
  return `v=DKIM1; k=${key.algorithm === 'rsa-sha256' ? 'rsa' : 'ed25519'}; p=${key.publicKey}`;
}
