// The DNS records a domain needs to receive, send and be found by mail clients, as zone-file
// lines. `postern dns records` prints them and `postern dns check` compares what is published
// against them, so both read this one list.
import type { DkimKey } from '../store/domains.ts';
import { dkimTxt } from '../email-auth/dkim-keys.ts';
import { mtaStsId, mtaStsPolicy } from '../http/mta-sts-policy.ts';

export interface DnsRecord {
  name: string;
  type: 'MX' | 'TXT' | 'CNAME' | 'SRV';
  value: string;
  /** What the record is for, shown next to it. */
  purpose: string;
}

export interface RecordInput {
  domain: string;
  hostname: string;
  dkimKeys: Pick<DkimKey, 'selector' | 'algorithm' | 'publicKey'>[];
  mtaSts: { mode: string; maxAgeS: number };
}

export function domainRecords(input: RecordInput): DnsRecord[] {
  const { domain, hostname } = input;
  const fqdn = (name: string) => `${name}.`;
  const policy = mtaStsPolicy(hostname, input.mtaSts.mode, input.mtaSts.maxAgeS);
  const records: DnsRecord[] = [
    { name: fqdn(domain), type: 'MX', value: `10 ${fqdn(hostname)}`, purpose: 'mail for the domain goes to this server' },
    { name: fqdn(domain), type: 'TXT', value: `v=spf1 mx -all`, purpose: 'SPF: only the MX hosts send for the domain' },
    ...input.dkimKeys.map((k): DnsRecord => ({
      name: fqdn(`${k.selector}._domainkey.${domain}`), type: 'TXT', value: dkimTxt(k),
      purpose: `DKIM public key (${k.algorithm})`,
    })),
    { name: fqdn(`_dmarc.${domain}`), type: 'TXT', value: `v=DMARC1; p=quarantine; rua=mailto:postmaster@${domain}`, purpose: 'DMARC policy and aggregate reports' },
    { name: fqdn(`_mta-sts.${domain}`), type: 'TXT', value: `v=STSv1; id=${mtaStsId(policy)}`, purpose: 'MTA-STS policy id (RFC 8461)' },
    { name: fqdn(`mta-sts.${domain}`), type: 'CNAME', value: fqdn(hostname), purpose: 'MTA-STS policy host (HTTPS)' },
    { name: fqdn(`_smtp._tls.${domain}`), type: 'TXT', value: `v=TLSRPTv1; rua=mailto:postmaster@${domain}`, purpose: 'TLS-RPT reports (RFC 8460)' },
    { name: fqdn(`autoconfig.${domain}`), type: 'CNAME', value: fqdn(hostname), purpose: 'Thunderbird autoconfiguration' },
    { name: fqdn(`autodiscover.${domain}`), type: 'CNAME', value: fqdn(hostname), purpose: 'Outlook autodiscover' },
    { name: fqdn(`_imaps._tcp.${domain}`), type: 'SRV', value: `0 1 993 ${fqdn(hostname)}`, purpose: 'IMAP over TLS (RFC 6186)' },
    { name: fqdn(`_imap._tcp.${domain}`), type: 'SRV', value: `0 1 143 ${fqdn(hostname)}`, purpose: 'IMAP with STARTTLS (RFC 6186)' },
    { name: fqdn(`_submissions._tcp.${domain}`), type: 'SRV', value: `0 1 465 ${fqdn(hostname)}`, purpose: 'submission over TLS (RFC 8314)' },
    { name: fqdn(`_submission._tcp.${domain}`), type: 'SRV', value: `0 1 587 ${fqdn(hostname)}`, purpose: 'submission with STARTTLS (RFC 6186)' },
    { name: fqdn(`_pop3s._tcp.${domain}`), type: 'SRV', value: `0 1 995 ${fqdn(hostname)}`, purpose: 'POP3 over TLS (RFC 6186)' },
  ];
  return records;
}

/** One zone-file line; TXT values over 255 octets are split into several strings (RFC 1035 §3.3.14). */
export function zoneLine(r: DnsRecord): string {
  const value = r.type === 'TXT' ? (r.value.match(/.{1,255}/g) ?? ['']).map((s) => `"${s}"`).join(' ') : r.value;
  return `${r.name}\t3600\tIN\t${r.type}\t${value}`;
}
