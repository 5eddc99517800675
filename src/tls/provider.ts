// The TLS material every listener uses. Listeners ask for the current SecureContext on each
// handshake (SNICallback), so reload() — on SIGHUP, or after an ACME renewal — takes effect for
// new connections without a restart.
import fs from 'node:fs';
import tls from 'node:tls';

export interface TlsProvider {
  secureContext(): tls.SecureContext;
  key(): Buffer;
  cert(): Buffer;
  /** Options for tls.createServer / smtp-server: initial key/cert plus an SNICallback that follows reloads. */
  serverOptions(): { key: Buffer; cert: Buffer; SNICallback: (servername: string, cb: (err: Error | null, ctx?: tls.SecureContext) => void) => void };
  /** Re-reads the files (or takes new PEM); throws and keeps the old material when they are unusable. */
  reload(pem?: { cert: string | Buffer; key: string | Buffer }): void;
  readonly certFile: string;
  readonly keyFile: string;
}

export function createTlsProvider(certFile: string, keyFile: string): TlsProvider {
  let key = fs.readFileSync(keyFile);
  let cert = fs.readFileSync(certFile);
  let context = tls.createSecureContext({ key, cert });
  return {
    certFile,
    keyFile,
    secureContext: () => context,
    key: () => key,
    cert: () => cert,
    serverOptions: () => ({ key, cert, SNICallback: (_name, cb) => cb(null, context) }),
    reload(pem) {
      const nextKey = pem ? Buffer.from(pem.key) : fs.readFileSync(keyFile);
      const nextCert = pem ? Buffer.from(pem.cert) : fs.readFileSync(certFile);
      const next = tls.createSecureContext({ key: nextKey, cert: nextCert });
      key = nextKey;
      cert = nextCert;
      context = next;
    },
  };
}
