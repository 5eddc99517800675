// The certificate the listeners serve: does it name the hostname (and mta-sts.DOMAIN, which the
// MTA-STS policy host needs over HTTPS, RFC 8461 §3.3), when does it expire, is it self-signed.
// Always true: reads the same file `serve` would use and never creates one.
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { DoctorRow } from './report.ts';

/** Days before expiry from which the doctor warns (ACME renews 30 days ahead). */
const EXPIRY_WARN_DAYS = 14;

export function certificateRows(file: string | null, hostname: string, domains: string[], now: number): DoctorRow[] {
  if (!file || !fs.existsSync(file)) {
    return [{ check: 'certificate', status: 'warn', found: 'none yet (serve makes a self-signed one)', fix: 'configure [tls] cert and key, or enable [tls] acme' }];
  }
  let cert: crypto.X509Certificate;
  try {
    cert = new crypto.X509Certificate(fs.readFileSync(file));
  } catch (err) {
    return [{ check: 'certificate', status: 'fail', found: `${file}: ${(err as Error).message}`, fix: 'point [tls] cert at a PEM certificate chain' }];
  }
  const rows: DoctorRow[] = [];
  const names = (cert.subjectAltName ?? '').split(', ').filter((n) => n.startsWith('DNS:')).map((n) => n.slice(4));
  rows.push(cert.checkHost(hostname)
    ? { check: 'certificate names', status: 'ok', found: names.join(', ') }
    : { check: 'certificate names', status: 'fail', found: `${names.join(', ') || '(none)'}: not ${hostname}`, fix: `get a certificate for ${hostname} ([tls] acme does it)` });
  const missing = domains.map((d) => `mta-sts.${d}`).filter((n) => !cert.checkHost(n));
  if (missing.length > 0) rows.push({ check: 'certificate MTA-STS names', status: 'warn', found: `not covered: ${missing.join(', ')}`, fix: 'senders fetch the MTA-STS policy over HTTPS from mta-sts.DOMAIN: include those names ([tls] acme does)' });
  const expires = Date.parse(cert.validTo);
  const days = Math.floor((expires - now) / 86400_000);
  rows.push(expires <= now
    ? { check: 'certificate expiry', status: 'fail', found: `expired ${cert.validTo}`, fix: 'renew it (with [tls] acme, check the log for ACME errors)' }
    : days < EXPIRY_WARN_DAYS
      ? { check: 'certificate expiry', status: 'warn', found: `expires in ${days} day${days === 1 ? '' : 's'} (${cert.validTo})`, fix: 'renew it soon' }
      : { check: 'certificate expiry', status: 'ok', found: `${cert.validTo} (${days} days)` });
  if (cert.issuer === cert.subject && cert.verify(cert.publicKey)) {
    rows.push({ check: 'certificate issuer', status: 'warn', found: 'self-signed', fix: 'mail clients warn and MTA-STS enforce fails with a self-signed certificate: configure a real one or [tls] acme' });
  } else rows.push({ check: 'certificate issuer', status: 'ok', found: cert.issuer.replace(/\n/g, ', ') });
  return rows;
}
