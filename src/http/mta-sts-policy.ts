// The MTA-STS policy this server publishes at https://mta-sts.DOMAIN/.well-known/mta-sts.txt
// (RFC 8461 §3.2) and the id `dns records` puts in the _mta-sts TXT record. Always true: the id
// is derived from the policy text, so it changes exactly when the served text does.
import crypto from 'node:crypto';

/** The MTA-STS policy text (RFC 8461 §3.2) for a domain whose only MX is hostname. */
export function mtaStsPolicy(hostname: string, mode: string, maxAgeS: number): string {
  return `version: STSv1\r\nmode: ${mode}\r\nmx: ${hostname}\r\nmax_age: ${maxAgeS}\r\n`;
}

/** The policy id changes exactly when the policy text does (RFC 8461 §3.1: senders refetch on a new id). */
export function mtaStsId(policy: string): string {
  return crypto.createHash('sha256').update(policy).digest('hex').slice(0, 20);
}
