// DMARC results of received mail (RFC 7489 §7.2) as both engines keep them: a row per UTC day,
// policy domain and distinct evaluation, with a count. `dkim` is the JSON list of the message's
// DKIM results ({domain, selector, result}); pass/fail fields hold only "pass" or "fail".

export interface DmarcResultRow {
  day: number; domain: string; sourceIp: string; headerFrom: string; disposition: 'none' | 'quarantine' | 'reject';
  dkimAligned: 'pass' | 'fail'; spfAligned: 'pass' | 'fail'; dkim: string; spfDomain: string; spfResult: string; count: number;
}
