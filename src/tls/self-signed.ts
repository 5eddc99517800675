// The self-signed certificate used when no [tls] cert is configured: a leaf certificate for
// hostname (CA:FALSE, hostname in subjectAltName, serverAuth), because clients such as mbsync
// reject a self-signed CA certificate or one without a SAN (CLIENTS.md). Made once, kept in
// data_dir and reused.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata polyfill.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

export interface KeyPairPem { cert: string; key: string }

const VALIDITY_DAYS = 825;

export async function createSelfSigned(hostname: string, now = new Date()): Promise<KeyPairPem> {
  x509.cryptoProvider.set(crypto.webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await crypto.webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const notAfter = new Date(now.getTime() + VALIDITY_DAYS * 86400_000);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: crypto.randomBytes(8).toString('hex').replace(/^[89a-f]/, '1'),
    name: `CN=${hostname}`,
    notBefore: new Date(now.getTime() - 3600_000),
    notAfter,
    keys,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: hostname }]),
    ],
  });
  const pkcs8 = await crypto.webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  const key = `-----BEGIN PRIVATE KEY-----\n${Buffer.from(pkcs8).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n?$/, '\n')}-----END PRIVATE KEY-----\n`;
  return { cert: cert.toString('pem') + '\n', key };
}

/** Returns the certificate in dataDir/tls, creating it when missing or made for another hostname. */
export async function ensureSelfSigned(dataDir: string, hostname: string): Promise<{ certFile: string; keyFile: string; created: boolean }> {
  const dir = path.join(dataDir, 'tls');
  const certFile = path.join(dir, 'self-signed.crt');
  const keyFile = path.join(dir, 'self-signed.key');
  if (fs.existsSync(certFile) && fs.existsSync(keyFile)) {
    const existing = new crypto.X509Certificate(fs.readFileSync(certFile));
    if (existing.checkHost(hostname) && new Date(existing.validTo) > new Date()) return { certFile, keyFile, created: false };
  }
  const pair = await createSelfSigned(hostname);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(keyFile, pair.key, { mode: 0o600 });
  fs.writeFileSync(certFile, pair.cert);
  return { certFile, keyFile, created: true };
}
