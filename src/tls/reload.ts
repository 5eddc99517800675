// Reloading the certificate every TLS listener serves, on SIGHUP and after an ACME renewal. What must
// always be true: with [tls] acme on, the ACME certificate in data_dir wins once it exists (so a
// SIGHUP never reverts to the self-signed placeholder); otherwise the configured files are re-read;
// unusable files throw and the listeners keep what they had.
import fs from 'node:fs';
import type { Config } from '../config/types.ts';
import type { TlsProvider } from './provider.ts';
import { acmeFiles } from './acme.ts';

/** Returns the file the certificate was loaded from. */
export function reloadCertificate(ctx: { config: Config; tls: TlsProvider }): string {
  if (ctx.config.tls.acme) {
    const files = acmeFiles(ctx.config.data_dir);
    if (fs.existsSync(files.cert) && fs.existsSync(files.key)) {
      ctx.tls.reload({ cert: fs.readFileSync(files.cert), key: fs.readFileSync(files.key) });
      return files.cert;
    }
  }
  ctx.tls.reload();
  return ctx.tls.certFile;
}
