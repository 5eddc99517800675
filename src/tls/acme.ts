// Certificates by ACME (RFC 8555) with HTTP-01 challenges answered by our own HTTP listener: one
// certificate for hostname plus mta-sts.DOMAIN and autoconfig.DOMAIN of every domain we serve, kept
// in data_dir/acme/, renewed ACME_RENEW_BEFORE_MS before it expires or as soon as the set of names
// changes, and handed to every TLS listener without a restart. What must always be true: the key
// and certificate on disk always match (each written to a temporary file, then renamed, key first,
// owner-only); a failed order leaves the current certificate in place and is retried at the next
// check; a challenge token is served only while its order is in progress.
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import type { AcmeChallenges } from './acme-challenges.ts';
import type { Clock } from '../clock.ts';

/** Renew this long before notAfter: Let's Encrypt's advice for 90-day certificates. */
export const ACME_RENEW_BEFORE_MS = 30 * 86400_000;
/** How often the certificate is checked for renewal (and for new domains). */
export const ACME_CHECK_INTERVAL_MS = 12 * 3600_000;

export interface AcmeSettings {
  directoryUrl: string;
  email: string;
  dataDir: string;
  /** Extra CA (PEM file) trusted for the directory's HTTPS: private or test CAs such as Pebble. */
  caFile?: string;
}

export interface AcmeFiles { dir: string; accountKey: string; cert: string; key: string }

export function acmeFiles(dataDir: string): AcmeFiles {
  const dir = path.join(dataDir, 'acme');
  return { dir, accountKey: path.join(dir, 'account.key'), cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem') };
}

/** The names the certificate must cover, in a stable order. */
export function certificateNames(hostname: string, domains: string[]): string[] {
  const names = new Set([hostname.toLowerCase()]);
  for (const d of [...domains].sort()) {
    names.add(`mta-sts.${d.toLowerCase()}`);
    names.add(`autoconfig.${d.toLowerCase()}`);
  }
  return [...names];
}

/** Why a new certificate is needed, or null when the current one will do. */
export function renewalReason(certPem: string | null, names: string[], now: number): string | null {
  if (!certPem) return 'no certificate yet';
  let cert: crypto.X509Certificate;
  try {
    cert = new crypto.X509Certificate(certPem);
  } catch {
    return 'the stored certificate is unreadable';
  }
  const covered = new Set((cert.subjectAltName ?? '').split(/,\s*/).filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4).toLowerCase()));
  const uncovered = names.filter((n) => !covered.has(n));
  if (uncovered.length > 0) return `not valid for ${uncovered.join(', ')}`;
  const notAfter = Date.parse(cert.validTo);
  if (notAfter - now < ACME_RENEW_BEFORE_MS) return `expires ${new Date(notAfter).toISOString()}`;
  return null;
}

export interface IssuedCertificate { cert: string; key: string }

/** Runs one order for `names` and returns the chain and its private key (not yet stored). */
export async function orderCertificate(settings: AcmeSettings, names: string[], challenges: AcmeChallenges): Promise<IssuedCertificate> {
  // Loaded only when an order runs: acme-client and its HTTP stack add ~40 MB to every server's RSS.
  const acme = await import('acme-client');
  if (settings.caFile) acme.axios.defaults.httpsAgent = new https.Agent({ ca: fs.readFileSync(settings.caFile) });
  const client = new acme.Client({ directoryUrl: settings.directoryUrl, accountKey: accountKey(settings.dataDir), backoffAttempts: 10, backoffMin: 200, backoffMax: 2000 });
  const key = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const [, csr] = await acme.crypto.createCsr({ commonName: names[0]!, altNames: names }, key);
  const tokens: string[] = [];
  try {
    const cert = await client.auto({
      csr,
      ...(settings.email ? { email: settings.email } : {}),
      termsOfServiceAgreed: true,
      challengePriority: ['http-01'],
      // acme-client would fetch the token itself first, through the system resolver and port 80;
      // the CA's own validation is the one that counts.
      skipChallengeVerification: true,
      challengeCreateFn: async (_authz, challenge, keyAuthorization) => {
        tokens.push(challenge.token);
        challenges.set(challenge.token, keyAuthorization);
      },
      challengeRemoveFn: async (_authz, challenge) => { challenges.delete(challenge.token); },
    });
    return { cert, key };
  } finally {
    for (const token of tokens) challenges.delete(token);
  }
}

/** Checks the stored certificate and orders a new one when needed; true when the files changed. */
export async function ensureCertificate(settings: AcmeSettings, names: string[], challenges: AcmeChallenges, clock: Clock): Promise<{ changed: boolean; reason: string | null }> {
  const files = acmeFiles(settings.dataDir);
  const current = fs.existsSync(files.cert) ? fs.readFileSync(files.cert, 'utf8') : null;
  const reason = renewalReason(current, names, clock.now());
  if (!reason) return { changed: false, reason: null };
  const issued = await orderCertificate(settings, names, challenges);
  storeCertificate(files, issued);
  return { changed: true, reason };
}

export function storeCertificate(files: AcmeFiles, issued: IssuedCertificate): void {
  fs.mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  writeAtomically(files.key, issued.key);
  writeAtomically(files.cert, issued.cert);
}

function writeAtomically(file: string, content: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, content, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

// One account key per data_dir, made on first use: the CA identifies the account by it.
function accountKey(dataDir: string): string {
  const files = acmeFiles(dataDir);
  if (fs.existsSync(files.accountKey)) return fs.readFileSync(files.accountKey, 'utf8');
  fs.mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  const key = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  writeAtomically(files.accountKey, key);
  return key;
}

export interface AcmeRenewal {
  /** Runs one check now (also what the timer runs). */
  check(): Promise<void>;
  stop(): void;
}

export interface AcmeRenewalOptions {
  settings: AcmeSettings;
  names: () => Promise<string[]>;
  challenges: AcmeChallenges;
  clock: Clock;
  /** Called after new files are stored: reload every TLS listener. */
  onRenewed: (reason: string) => void;
  onError: (err: unknown) => void;
  intervalMs?: number;
}

/** Checks now and then every interval; never throws (a failed order is reported and retried). */
export function startAcmeRenewal(options: AcmeRenewalOptions): AcmeRenewal {
  let running: Promise<void> | null = null;
  const check = () => {
    running ??= (async () => {
      try {
        const { changed, reason } = await ensureCertificate(options.settings, await options.names(), options.challenges, options.clock);
        if (changed) options.onRenewed(reason!);
      } catch (err) {
        options.onError(err);
      } finally {
        running = null;
      }
    })();
    return running;
  };
  const timer = setInterval(() => void check(), options.intervalMs ?? ACME_CHECK_INTERVAL_MS);
  timer.unref();
  void check();
  return { check, stop: () => clearInterval(timer) };
}
