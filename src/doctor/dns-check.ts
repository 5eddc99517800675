// `postern dns check`: looks up every record a domain needs (the list `dns records` prints) through the
// one resolver and says, per record, what was expected, what was found, and a verdict with the fix.
// What must always be true: a temporary DNS failure is reported as "error", never as "missing"; a
// record passes when it has the effect we need (SPF authorizes our address, DKIM publishes our key,
// the CNAME or an equivalent A record reaches our host), not only when it is byte-for-byte ours; and
// any verdict other than "ok" makes the check fail (so it can run from cron).
import { spf as spfVerify } from 'mailauth';
import { DnsTemporaryError, mailauthResolver, type Resolver } from '../dns/resolver.ts';
import { parsePolicyText } from '../queue/mta-sts.ts';

/** One record the domain should publish (the shape `dns records` builds). */
export interface ExpectedRecord {
  name: string;
  type: 'MX' | 'TXT' | 'CNAME' | 'SRV';
  value: string;
  purpose: string;
}

export type Verdict = 'ok' | 'missing' | 'wrong' | 'error';

export interface CheckRow {
  record: string;
  expected: string;
  found: string;
  verdict: Verdict;
  /** What to change when the verdict is not ok. */
  fix?: string;
}

export interface DnsCheckInput {
  domain: string;
  hostname: string;
  expected: ExpectedRecord[];
  mtaStsMode: string;
  resolver: Resolver;
  /** Fetches https://mta-sts.DOMAIN/.well-known/mta-sts.txt; throws when it cannot. */
  fetchMtaStsPolicy(domain: string): Promise<string>;
}

// RFC 7208 §4.6.4: at most 10 mechanisms and modifiers that cause DNS lookups per SPF evaluation.
export const SPF_LOOKUP_LIMIT = 10;

const bare = (name: string) => name.toLowerCase().replace(/\.$/, '');
const sameHost = (a: string, b: string) => bare(a) === bare(b);

export async function checkDomain(input: DnsCheckInput): Promise<CheckRow[]> {
  const { resolver, hostname } = input;
  const rows: CheckRow[] = [];
  const addresses = await serverAddresses(resolver, hostname, rows);
  for (const record of input.expected) {
    const label = `${record.type} ${bare(record.name)}`;
    try {
      rows.push(...(await checkRecord(input, record, label, addresses)));
    } catch (err) {
      if (!(err instanceof DnsTemporaryError)) throw err;
      rows.push({ record: label, expected: record.value, found: err.message, verdict: 'error', fix: 'the lookup failed temporarily: check [dns] servers and retry' });
    }
  }
  return rows;
}

export function checkFailed(rows: CheckRow[]): boolean {
  return rows.some((r) => r.verdict !== 'ok');
}

// The server's own address and its reverse DNS: receivers reject mail from an address whose PTR
// does not name a host that resolves back to it (forward-confirmed reverse DNS).
async function serverAddresses(resolver: Resolver, hostname: string, rows: CheckRow[]): Promise<string[]> {
  let addresses: string[];
  try {
    addresses = [...(await resolver.a(hostname)), ...(await resolver.aaaa(hostname))];
  } catch (err) {
    if (!(err instanceof DnsTemporaryError)) throw err;
    rows.push({ record: `A/AAAA ${hostname}`, expected: 'the server\'s address', found: err.message, verdict: 'error' });
    return [];
  }
  if (addresses.length === 0) {
    rows.push({ record: `A/AAAA ${hostname}`, expected: 'the server\'s address', found: '-', verdict: 'missing', fix: `publish an A (and AAAA) record for ${hostname}` });
    return [];
  }
  rows.push({ record: `A/AAAA ${hostname}`, expected: 'the server\'s address', found: addresses.join(', '), verdict: 'ok' });
  for (const ip of addresses) {
    const record = `PTR ${ip}`;
    try {
      const names = await resolver.ptr(ip);
      const verdict: Verdict = names.length === 0 ? 'missing' : names.some((n) => sameHost(n, hostname)) ? 'ok' : 'wrong';
      rows.push({
        record, expected: `${hostname}.`, found: names.join(', ') || '-', verdict,
        ...(verdict === 'ok' ? {} : { fix: `ask whoever runs ${ip} (your hosting provider) to set its reverse DNS to ${hostname}` }),
      });
    } catch (err) {
      if (!(err instanceof DnsTemporaryError)) throw err;
      rows.push({ record, expected: `${hostname}.`, found: err.message, verdict: 'error' });
    }
  }
  return addresses;
}

async function checkRecord(input: DnsCheckInput, record: ExpectedRecord, label: string, addresses: string[]): Promise<CheckRow[]> {
  const { resolver, hostname } = input;
  const name = bare(record.name);
  const row = (found: string, verdict: Verdict, fix?: string): CheckRow =>
    ({ record: label, expected: record.value, found: found || '-', verdict, ...(verdict === 'ok' || !fix ? {} : { fix }) });
  const publish = `publish ${record.type} ${record.name} ${record.value}`;

  switch (record.type) {
    case 'MX': {
      const mx = await resolver.mx(name);
      const found = mx.sort((a, b) => a.priority - b.priority).map((m) => `${m.priority} ${m.exchange}.`).join(', ');
      if (mx.length === 0) return [row(found, 'missing', publish)];
      return [row(found, mx.some((m) => sameHost(m.exchange, hostname)) ? 'ok' : 'wrong', `point the MX at ${hostname}: ${publish}`)];
    }
    case 'CNAME':
      return [await checkAlias(resolver, name, hostname, row, publish)];
    case 'SRV': {
      const [, , port, target] = record.value.split(/\s+/);
      const srv = await resolver.srv(name);
      const found = srv.map((s) => `${s.priority} ${s.weight} ${s.port} ${s.name}.`).join(', ');
      if (srv.length === 0) return [row(found, 'missing', publish)];
      return [row(found, srv.some((s) => sameHost(s.name, target!) && s.port === Number(port)) ? 'ok' : 'wrong', publish)];
    }
    case 'TXT':
      return checkTxt(input, record, name, row, publish, addresses);
  }
}

type RowFn = (found: string, verdict: Verdict, fix?: string) => CheckRow;

// A CNAME to our host, or A records that are the same as our host's, reach the same server.
async function checkAlias(resolver: Resolver, name: string, hostname: string, row: RowFn, publish: string): Promise<CheckRow> {
  const cname = await resolver.cname(name);
  if (cname.length > 0) return row(cname.map((c) => `${c}.`).join(', '), cname.some((c) => sameHost(c, hostname)) ? 'ok' : 'wrong', publish);
  const [theirs, ours] = await Promise.all([resolver.a(name), resolver.a(hostname)]);
  if (theirs.length === 0) return row('', 'missing', publish);
  const same = ours.length > 0 && theirs.length === ours.length && theirs.every((ip) => ours.includes(ip));
  return row(`A ${theirs.join(', ')}`, same ? 'ok' : 'wrong', publish);
}

async function checkTxt(input: DnsCheckInput, record: ExpectedRecord, name: string, row: RowFn, publish: string, addresses: string[]): Promise<CheckRow[]> {
  const { resolver } = input;
  const txt = await resolver.txt(name);
  const tagged = (prefix: RegExp) => txt.filter((t) => prefix.test(t.trim()));

  if (/^v=spf1\b/i.test(record.value)) {
    const spf = tagged(/^v=spf1(\s|$)/i);
    if (spf.length === 0) return [row('', 'missing', publish)];
    // RFC 7208 §4.5: more than one SPF record is a permanent error for every receiver.
    if (spf.length > 1) return [row(spf.join(' | '), 'wrong', `keep one SPF record: merge them into ${record.value}`)];
    const rows = [await spfAuthorizes(input, spf[0]!, addresses, row)];
    const lookups = await spfLookupCount(resolver, spf[0]!, new Set([name]));
    rows.push({
      record: `SPF lookups ${name}`, expected: `<= ${SPF_LOOKUP_LIMIT}`, found: String(lookups),
      verdict: lookups <= SPF_LOOKUP_LIMIT ? 'ok' : 'wrong',
      ...(lookups <= SPF_LOOKUP_LIMIT ? {} : { fix: 'too many DNS-querying terms (include, a, mx, ptr, exists, redirect): receivers return permerror; flatten includes into ip4/ip6' }),
    });
    return rows;
  }
  if (name.includes('._domainkey.')) {
    const keys = tagged(/(^|;)\s*p=/i);
    if (keys.length === 0) return [row('', 'missing', publish)];
    const want = tagValue(record.value, 'p');
    return [row(keys.join(' | '), keys.some((k) => tagValue(k, 'p') === want) ? 'ok' : 'wrong', `the published key is not Postern's: ${publish}`)];
  }
  if (/^v=DMARC1/i.test(record.value)) {
    const dmarc = tagged(/^v=DMARC1\s*(;|$)/i);
    if (dmarc.length === 0) return [row('', 'missing', publish)];
    // RFC 7489 §6.6.3: more than one record means no policy at all.
    if (dmarc.length > 1) return [row(dmarc.join(' | '), 'wrong', 'keep exactly one DMARC record')];
    const p = tagValue(dmarc[0]!, 'p')?.toLowerCase();
    return [row(dmarc[0]!, p === 'none' || p === 'quarantine' || p === 'reject' ? 'ok' : 'wrong', `the record needs p=none, quarantine or reject: ${publish}`)];
  }
  if (/^v=STSv1/i.test(record.value)) {
    const sts = tagged(/^v=STSv1\s*(;|$)/i);
    const rows: CheckRow[] = [];
    if (sts.length === 0) rows.push(row('', 'missing', publish));
    else rows.push(row(sts.join(' | '), sts.length === 1 && tagValue(sts[0]!, 'id') === tagValue(record.value, 'id') ? 'ok' : 'wrong',
      `the id must change with the policy (senders refetch only on a new id): ${publish}`));
    rows.push(await checkMtaStsPolicy(input));
    return rows;
  }
  if (/^v=TLSRPTv1/i.test(record.value)) {
    const rpt = tagged(/^v=TLSRPTv1\s*(;|$)/i);
    if (rpt.length === 0) return [row('', 'missing', publish)];
    return [row(rpt.join(' | '), rpt.length === 1 && /rua=(mailto:|https:)/i.test(rpt[0]!) ? 'ok' : 'wrong', publish)];
  }
  return [row(txt.join(' | '), txt.includes(record.value) ? 'ok' : txt.length ? 'wrong' : 'missing', publish)];
}

async function spfAuthorizes(input: DnsCheckInput, record: string, addresses: string[], row: RowFn): Promise<CheckRow> {
  if (addresses.length === 0) return row(record, 'wrong', `cannot tell whether it authorizes ${input.hostname}: the host has no address`);
  const refused: string[] = [];
  for (const ip of addresses) {
    const result = await spfVerify({ ip, sender: `postmaster@${input.domain}`, helo: input.hostname, mta: input.hostname, resolver: mailauthResolver(input.resolver) as never });
    if (result.status.result === 'temperror') throw new DnsTemporaryError(input.domain, 'SPF', 'TEMPERROR');
    if (result.status.result !== 'pass') refused.push(`${ip}: ${result.status.result}`);
  }
  if (refused.length === 0) return row(record, 'ok');
  return row(`${record} (${refused.join(', ')})`, 'wrong', `the record does not authorize this server: include "mx" (or ip4:/ip6: ${addresses.join(' ')})`);
}

/** Counts the terms of an SPF record that cost a DNS lookup, following include and redirect. */
export async function spfLookupCount(resolver: Resolver, record: string, chain: ReadonlySet<string>): Promise<number> {
  let count = 0;
  for (const term of record.trim().split(/\s+/).slice(1)) {
    const m = /^[+?~-]?(include|a|mx|ptr|exists)(?=$|[:/])(?::(.*))?|^(redirect)=(.*)$/i.exec(term);
    if (!m) continue;
    count += 1;
    const mechanism = (m[1] ?? m[3])!.toLowerCase();
    const target = m[2] ?? m[4];
    // Macros cannot be expanded without a message; such targets are counted but not followed.
    // A receiver evaluates a domain again each time it is reached; only a loop (a domain already on
    // this chain of includes) is not followed.
    if ((mechanism === 'include' || mechanism === 'redirect') && target && !target.includes('%') && !chain.has(bare(target))) {
      const next = (await resolver.txt(bare(target))).filter((t) => /^v=spf1(\s|$)/i.test(t.trim()));
      if (next.length === 1) count += await spfLookupCount(resolver, next[0]!, new Set([...chain, bare(target)]));
    }
    if (count > SPF_LOOKUP_LIMIT * 2) break;
  }
  return count;
}

async function checkMtaStsPolicy(input: DnsCheckInput): Promise<CheckRow> {
  const url = `https://mta-sts.${input.domain}/.well-known/mta-sts.txt`;
  const expected = `mode ${input.mtaStsMode}, mx ${input.hostname}`;
  let text: string;
  try {
    text = await input.fetchMtaStsPolicy(input.domain);
  } catch (err) {
    return { record: `policy ${url}`, expected, found: (err as Error).message, verdict: 'missing', fix: `serve the policy over HTTPS at mta-sts.${input.domain}: CNAME it to ${input.hostname} and enable [tls] acme` };
  }
  const policy = parsePolicyText(text);
  if (!policy) return { record: `policy ${url}`, expected, found: 'not a valid STSv1 policy', verdict: 'wrong', fix: `mta-sts.${input.domain} must be served by Postern` };
  const found = `mode ${policy.mode}, mx ${policy.mx.join(' ')}`;
  const ok = policy.mode === input.mtaStsMode && policy.mx.some((p) => mxMatches(p, input.hostname));
  return { record: `policy ${url}`, expected, found, verdict: ok ? 'ok' : 'wrong', ...(ok ? {} : { fix: `mta-sts.${input.domain} must be served by Postern with [mta_sts] mode = "${input.mtaStsMode}"` }) };
}

// RFC 8461 §4.1: "*.example.com" matches exactly one leftmost label.
function mxMatches(pattern: string, host: string): boolean {
  const p = bare(pattern);
  const h = bare(host);
  if (p.startsWith('*.')) return h.slice(h.indexOf('.') + 1) === p.slice(2) && h.indexOf('.') > 0;
  return p === h;
}

function tagValue(record: string, tag: string): string | undefined {
  for (const part of record.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim().toLowerCase() === tag) return part.slice(eq + 1).replace(/\s+/g, '');
  }
  return undefined;
}
