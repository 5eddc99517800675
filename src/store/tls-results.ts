// TLS results (RFC 8460) as both engines keep them, a row per day, domain, policy and result.

export interface TlsResultRow {
  day: number; domain: string; policyType: 'sts' | 'no-policy-found'; policy: string; mxHost: string; receivingIp: string; resultType: string; count: number;
}
