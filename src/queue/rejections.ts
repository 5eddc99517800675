// The table of known remote rejections: for a reply the big receivers are known to send, what it
// means and what the operator can do. `postern queue show`, bounces and delay notices print the
// advice; /metrics counts rejections by class and destination. Always true: matching is by the
// reply text alone (pure, no lookups); the first entry that matches wins, so specific entries come
// before general ones; a reply nothing matches is class "other" with no advice; class and
// destination come from the small fixed sets below, never from the reply's own words.

export type RejectionClass =
  | 'ip-blocked' | 'blocklisted' | 'no-ptr' | 'authentication' | 'rate-limited' | 'reputation' | 'greylisted' | 'relay-auth' | 'other';

export type Destination = 'microsoft' | 'google' | 'yahoo' | 'relay' | 'other';

export interface Explanation {
  class: RejectionClass;
  /** Why the receiver said this. */
  cause: string;
  /** What the operator can change. */
  fix: string;
  /** Retry after a short fixed delay rather than the schedule's step (greylisting). */
  retrySoon?: boolean;
}

interface Entry extends Explanation { match: RegExp }

const SMARTHOST = 'or send through a smarthost: a [[queue.route]] with your provider\'s relay (see README, "Routes")';

const TABLE: Entry[] = [
  {
    match: /\bS3140\b|\bS3150\b|part of their network is on our block list/i, class: 'ip-blocked',
    cause: 'Microsoft (Outlook, Hotmail, Office 365) blocks the address range this server sends from, usually a home or cloud range, not something this server did',
    fix: `ask for delisting at https://sender.office.com (give the IP address in the reply), ${SMARTHOST}`,
  },
  {
    match: /\b5\.7\.25\b|does not have a PTR record|PTR record setup/i, class: 'no-ptr',
    cause: 'the sending IP address (often the IPv6 one) has no reverse DNS (PTR), or the PTR name does not resolve back to that address',
    fix: 'have your hosting provider set the PTR of every address you send from to your hostname, and publish A/AAAA for the hostname pointing back; run "postern doctor" to see each address; or stop sending over IPv6 until its PTR is set',
  },
  {
    match: /\b5\.7\.515\b|doesn't meet the required authentication level/i, class: 'authentication',
    cause: 'Microsoft requires bulk senders to pass SPF, DKIM and DMARC with alignment (since 2025); this message did not',
    fix: 'run "postern dns check DOMAIN" and "postern doctor": publish the SPF, both DKIM keys and the DMARC record exactly as "postern dns records DOMAIN" prints them',
  },
  {
    match: /\b5\.7\.26\b|sender is unauthenticated|(fails|failed) to pass authentication|DMARC policy/i, class: 'authentication',
    cause: 'the receiver found neither a passing SPF nor a passing DKIM signature aligned with the From: domain (DMARC)',
    fix: 'run "postern doctor" (it sends itself a signed message and verifies SPF, DKIM and DMARC against live DNS) and fix what it reports',
  },
  {
    match: /\b4\.7\.28\b|unusual rate of unsolicited mail/i, class: 'rate-limited',
    cause: 'Gmail has throttled this IP address or domain because of the rate of mail or of spam complaints from it',
    fix: 'nothing to do for this message (it is retried); send less at once, check authentication with "postern doctor", and watch Google Postmaster Tools',
  },
  {
    match: /\bTSS04\b|temporarily deferred due to unexpected volume or user complaints/i, class: 'reputation',
    cause: 'Yahoo/AOL defer mail from this IP address because of its volume or of complaints from recipients',
    fix: 'nothing to do for this message (it is retried); keep volume low, make unsubscribing easy, and check https://senders.yahooinc.com',
  },
  {
    match: /spamhaus|spamcop|barracuda|blocked using|listed (?:at|in|on|by)\b|\bRBL\b|\bDNSBL\b|block ?list(?:ed)?|black ?list(?:ed)?/i, class: 'blocklisted',
    cause: 'the receiver found the sending IP address on a DNS blocklist (the reply names which)',
    fix: `look the address up on the list named in the reply and request removal; "postern doctor" checks the configured lists; ${SMARTHOST}`,
  },
  {
    match: /^4\d\d[ -].*gr[ae]y[ -]?list/is, class: 'greylisted', retrySoon: true,
    cause: 'the receiver greylists: it refuses the first attempt from an unknown sender and accepts a retry a few minutes later (RFC 6647)',
    fix: 'nothing: Postern retries in a few minutes instead of waiting for the next step of the retry schedule',
  },
  {
    match: /^4\d\d[ -]4\.7\.0\b/, class: 'rate-limited',
    cause: 'the receiver deferred this message for policy or rate reasons (Gmail\'s 421 4.7.0 often means the sending IP address has poor reputation or failed authentication)',
    fix: 'nothing to do for this message (it is retried); if it keeps happening, run "postern doctor"',
  },
  {
    match: /authentication as ".*" refused/, class: 'relay-auth',
    cause: 'the smarthost refused the user name or password of the route',
    fix: 'correct auth_user or the password in auth_password_file of the [[queue.route]]; then "postern queue flush"',
  },
];

/** The advice for a remote reply, or null when the table does not know it. */
export function explainReply(reply: string): Explanation | null {
  for (const e of TABLE) {
    if (e.match.test(reply)) {
      const { match: _match, ...rest } = e;
      return rest;
    }
  }
  return null;
}

/** One line: "cause. Fix: fix." */
export function adviceText(e: Explanation): string {
  return `${e.cause}. Fix: ${e.fix}.`;
}

// Destinations by their MX host names, or the name in the reply when the MX is a generic one.
const DESTINATIONS: [Destination, RegExp][] = [
  ['microsoft', /(?:^|\.)(?:outlook\.com|hotmail\.com|protection\.outlook\.com|office365\.com|live\.com)$/i],
  ['google', /(?:^|\.)(?:google\.com|googlemail\.com|gmail\.com)$/i],
  ['yahoo', /(?:^|\.)(?:yahoodns\.net|yahoo\.com|aol\.com)$/i],
];

export function destinationOf(host: string | undefined, viaRoute: boolean): Destination {
  if (viaRoute) return 'relay';
  const name = (host ?? '').replace(/\.$/, '');
  for (const [d, re] of DESTINATIONS) if (re.test(name)) return d;
  return 'other';
}
