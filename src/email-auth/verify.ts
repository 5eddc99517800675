// Inbound verification: SPF (MAIL FROM, else HELO), every DKIM signature, DMARC and ARC, through
// mailauth with the program's one resolver, bounded by a time limit. Always true: the result
// carries exactly one Authentication-Results field under our authserv-id (the hostname), and a
// check that could not finish for a temporary reason (DNS timeout, SERVFAIL, the time limit) is
// reported as `temperror`, never as a permanent verdict.
import { authenticate } from 'mailauth';
import { mailauthResolver, type Resolver } from '../dns/resolver.ts';
import { splitHeaderFields } from '../mime/header-fields.ts';

export type AuthResult = 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'temperror' | 'permerror' | 'policy';

export interface InboundEnvelope {
  /** The connecting client's address. */
  ip: string;
  /** The EHLO/HELO name. */
  helo: string;
  /** The MAIL FROM address; '' for the null reverse-path. */
  mailFrom: string;
}

export interface AuthVerdict {
  spf: AuthResult;
  dkim: { domain: string; result: AuthResult }[];
  /** `policy` is the DMARC policy that applies to this message (p, or sp for a subdomain). */
  dmarc: { result: AuthResult; domain: string; policy: 'none' | 'quarantine' | 'reject' } | null;
  arc: AuthResult | null;
  /** What an aggregate report (RFC 7489 §7.2) says of this message: set when a DMARC record was evaluated to pass or fail. */
  aggregate?: DmarcEvaluation;
  /** The whole check ran out of time. */
  timedOut: boolean;
  /** "Authentication-Results: …\r\n", folded, ready to prepend. */
  header: string;
}

/** RFC 7489 Appendix C's <row>, <identifiers> and <auth_results> for one message (before our disposition). */
export interface DmarcEvaluation {
  /** Where the DMARC record that applied is published: the domain the report goes to. */
  policyDomain: string;
  headerFrom: string;
  dkimAligned: boolean;
  spfAligned: boolean;
  dkim: { domain: string; selector: string; result: AuthResult }[];
  spf: { domain: string; result: AuthResult };
}

export interface VerifyOptions {
  resolver: Resolver;
  /** Our authserv-id (RFC 8601 §2.5): the configured hostname. */
  hostname: string;
  timeoutMs: number;
}

const RESULTS = new Set<AuthResult>(['pass', 'fail', 'softfail', 'neutral', 'none', 'temperror', 'permerror', 'policy']);

function asResult(value: string | undefined): AuthResult {
  if (value === 'temperr') return 'temperror';
  return value && RESULTS.has(value as AuthResult) ? (value as AuthResult) : 'none';
}

export async function verifyMessage(message: Buffer, envelope: InboundEnvelope, options: VerifyOptions): Promise<AuthVerdict> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => { controller.abort(); resolve(null); }, options.timeoutMs);
  });
  const lookup = mailauthResolver(options.resolver);
  // Lookups started after the deadline fail fast as temporary, so mailauth winds down promptly.
  const resolver = (name: string, rrtype: string) => {
    if (controller.signal.aborted) {
      const err = new Error('verification time limit exceeded') as NodeJS.ErrnoException;
      err.code = 'ETIMEOUT';
      return Promise.reject(err);
    }
    return lookup(name, rrtype);
  };
  try {
    const run = authenticate(message, {
      ip: envelope.ip,
      helo: envelope.helo,
      sender: envelope.mailFrom,
      mta: options.hostname,
      resolver: resolver as never,
      disableBimi: true,
      // RFC 6376 §6.1.3: a body hash mismatch is PERMFAIL, reported as dkim=fail (RFC 8601
      // §2.7.1); mailauth's lenient mode says "neutral", which DMARC and users would misread.
      strict: true,
    });
    const result = await Promise.race([run, timeout]);
    if (result === null) {
      run.catch(() => undefined);
      return timedOutVerdict(envelope, options.hostname);
    }
    const dmarc = result.dmarc
      ? {
          result: asResult(result.dmarc.status.result),
          domain: result.dmarc.domain,
          policy: normalizePolicy(result.dmarc.policy),
        }
      : null;
    const spf = asResult(result.spf ? result.spf.status.result : 'none');
    const evaluated = result.dmarc && (dmarc!.result === 'pass' || dmarc!.result === 'fail') ? result.dmarc : null;
    const aggregate: DmarcEvaluation | undefined = evaluated ? {
      policyDomain: (evaluated.policyDomain ?? evaluated.domain).toLowerCase(),
      headerFrom: (evaluated.status.header?.from ?? evaluated.domain).toLowerCase(),
      dkimAligned: !!evaluated.alignment?.dkim?.result,
      spfAligned: !!evaluated.alignment?.spf?.result,
      // An unsigned message has no <dkim> result (mailauth reports it as one result without a domain).
      dkim: (result.dkim.results ?? []).filter((r) => r.signingDomain).map((r) => ({ domain: (r.signingDomain ?? '').toLowerCase(), selector: r.selector ?? '', result: asResult(r.status.result) })),
      spf: { domain: (result.spf ? result.spf.domain : envelope.mailFrom.slice(envelope.mailFrom.lastIndexOf('@') + 1) || envelope.helo).toLowerCase(), result: spf },
    } : undefined;
    return {
      spf,
      // An unsigned message has no <dkim> result (mailauth reports it as one result without a domain).
      dkim: (result.dkim.results ?? []).filter((r) => r.signingDomain).map((r) => ({ domain: r.signingDomain ?? '', result: asResult(r.status.result) })),
      dmarc,
      arc: result.arc ? asResult(result.arc.status.result) : null,
      ...(aggregate ? { aggregate } : {}),
      timedOut: false,
      header: authenticationResultsField(result.headers),
    };
  } finally {
    clearTimeout(timer);
  }
}

function normalizePolicy(policy: string | undefined): 'none' | 'quarantine' | 'reject' {
  return policy === 'reject' || policy === 'quarantine' ? policy : 'none';
}

/** mailauth also returns Received-SPF; we add only Authentication-Results (RFC 8601 covers SPF). */
function authenticationResultsField(headers: string): string {
  const raw = Buffer.from(headers, 'utf8');
  const field = splitHeaderFields(raw).fields.find((f) => f.name === 'authentication-results');
  if (!field) throw new Error('mailauth returned no Authentication-Results field');
  const text = raw.toString('utf8', field.start, field.end);
  return text.endsWith('\r\n') ? text : text.replace(/\n?$/, '\r\n');
}

function timedOutVerdict(envelope: InboundEnvelope, hostname: string): AuthVerdict {
  // RFC 8601 §2.7.1 / §2.7.2: temperror when a DNS or other transient error kept a check from finishing.
  const mailfrom = envelope.mailFrom ? ` smtp.mailfrom=${quoteIfNeeded(envelope.mailFrom)}` : ` smtp.helo=${quoteIfNeeded(envelope.helo)}`;
  const header =
    `Authentication-Results: ${hostname};\r\n` +
    ` spf=temperror (verification time limit exceeded)${mailfrom};\r\n` +
    ` dkim=temperror (verification time limit exceeded);\r\n` +
    ` dmarc=temperror (verification time limit exceeded)\r\n`;
  return { spf: 'temperror', dkim: [], dmarc: null, arc: null, timedOut: true, header };
}

function quoteIfNeeded(value: string): string {
  return /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.@]+$/.test(value) ? value : `"${value.replace(/[\\"]/g, '\\$&')}"`;
}
