// The self-test: a message from postmaster@DOMAIN, signed with the domain's DKIM keys exactly as
// submission signs, verified by our own inbound verifier (SPF, DKIM, DMARC through the one
// resolver, so against the live DNS) as if it arrived from each sending address. Always true: the
// message never leaves the process; a temperror is a warning (could not check), not a failure.
import { randomBytes } from 'node:crypto';
import { signMessage, type DkimKey } from '../email-auth/sign.ts';
import { verifyMessage, type AuthResult } from '../email-auth/verify.ts';
import { rfc5322Date } from '../mime/date-time.ts';
import type { Resolver } from '../dns/resolver.ts';
import type { DoctorRow, DoctorStatus } from './report.ts';

export interface SelfTestInput {
  domain: string;
  hostname: string;
  keys: (DkimKey & { publicKey?: string })[];
  addresses: string[];
  resolver: Resolver;
  timeoutMs: number;
  now: number;
}

const statusOf = (r: AuthResult): DoctorStatus => (r === 'pass' ? 'ok' : r === 'temperror' ? 'warn' : 'fail');

export async function selfTestRows(input: SelfTestInput): Promise<DoctorRow[]> {
  const { domain, hostname } = input;
  const body = [
    `From: Postern doctor <postmaster@${domain}>`, `To: postmaster@${domain}`, `Subject: postern doctor self-test`,
    `Date: ${rfc5322Date(input.now)}`, `Message-ID: <${randomBytes(8).toString('hex')}.doctor@${hostname}>`, 'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=us-ascii', '', 'This message was signed and verified by postern doctor; it was never sent.', '',
  ].join('\r\n');
  const signed = Buffer.concat([Buffer.from(signMessage(Buffer.from(body), domain, input.keys, input.now)), Buffer.from(body)]);
  const rows: DoctorRow[] = [];
  if (input.keys.length === 0) rows.push({ check: `DKIM ${domain}`, status: 'fail', found: 'no DKIM keys', fix: `add the domain again with "postern domain add ${domain}" (it makes both keys)` });
  const addresses = input.addresses.length > 0 ? input.addresses : [];
  let dkimDone = false;
  for (const ip of addresses) {
    const v = await verifyMessage(signed, { ip, helo: hostname, mailFrom: `postmaster@${domain}` }, { resolver: input.resolver, hostname, timeoutMs: input.timeoutMs });
    rows.push({
      check: `self-test SPF ${domain} from ${ip}`, status: statusOf(v.spf), found: v.spf,
      ...(v.spf === 'pass' ? {} : { fix: `the SPF record of ${domain} must authorize ${ip}: publish "${domain}. TXT v=spf1 mx -all" with ${hostname} (the MX) resolving to ${ip}, or add ip${ip.includes(':') ? '6' : '4'}:${ip}` }),
    });
    if (!dkimDone) {
      dkimDone = true;
      input.keys.forEach((k, i) => {
        const r = v.dkim[i]?.result ?? 'none';
        rows.push({
          check: `self-test DKIM ${domain} ${k.selector} (${k.algorithm})`, status: statusOf(r), found: r,
          ...(r === 'pass' ? {} : { fix: `publish the TXT record ${k.selector}._domainkey.${domain} exactly as "postern dns records ${domain}" prints it` }),
        });
      });
      // A result of "none" is no DMARC record at all (RFC 7489 §6.6.3): the fix is to publish one.
      const d = v.dmarc && v.dmarc.result !== 'none' ? v.dmarc : null;
      const dmarc = d?.result ?? 'none';
      rows.push({
        check: `self-test DMARC ${domain}`, status: dmarc === 'pass' ? 'ok' : dmarc === 'temperror' ? 'warn' : 'fail',
        found: d ? `${dmarc} (policy ${d.policy})` : 'no DMARC record',
        ...(dmarc === 'pass' ? {} : { fix: d ? 'DMARC needs SPF or DKIM to pass for the From: domain: fix the rows above' : `publish _dmarc.${domain} as "postern dns records ${domain}" prints it` }),
      });
    }
  }
  if (addresses.length === 0) rows.push({ check: `self-test ${domain}`, status: 'warn', found: 'no sending address known', fix: 'set [doctor] addresses to the addresses this server sends from' });
  return rows;
}
