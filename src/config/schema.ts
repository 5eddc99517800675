// The configuration schema: every key Postern reads, its type, default and meaning. Validation,
// the example file and the README's key list all derive from this one table, so a key cannot be
// documented in one place and read differently in another.
import os from 'node:os';
import * as limits from '../limits.ts';

export type KeySpec =
  | { type: 'string'; default: string | (() => string); doc: string }
  | { type: 'bool'; default: boolean; doc: string }
  | { type: 'int'; default: number; min: number; max: number; doc: string }
  | { type: 'size'; default: number; doc: string }
  | { type: 'enum'; default: string; values: readonly string[]; doc: string }
  | { type: 'listen'; default: string | false; doc: string }
  | { type: 'strings'; default: string[]; doc: string }
  | { type: 'ints'; default: number[]; min: number; doc: string }
  | { type: 'path'; default: string; doc: string }
  /** An array of tables (TOML `[[section.key]]`), each entry checked against `keys`. */
  | { type: 'tables'; default: []; keys: Record<string, KeySpec>; example: Record<string, string>; doc: string };

export interface SectionSpec { doc: string; keys: Record<string, KeySpec> }

const listen = (port: number, what: string): KeySpec => ({
  type: 'listen', default: `:${port}`, doc: `${what}: "host:port", ":${port}" for all addresses, or false to disable`,
});

/** Top-level keys live in the section named "". */
export const SCHEMA: Record<string, SectionSpec> = {
  '': {
    doc: 'General',
    keys: {
      hostname: { type: 'string', default: () => os.hostname(), doc: 'Fully qualified name of this server: greeting, Received headers, authserv-id, MX target, TLS certificate name' },
      data_dir: { type: 'string', default: './data', doc: 'Directory for the SQLite database, DKIM keys and certificates (created owner-only)' },
    },
  },
  store: {
    doc: 'Where mail and accounts are kept: the embedded SQLite file in data_dir, or PostgreSQL shared by several nodes',
    keys: {
      engine: { type: 'enum', default: 'sqlite', values: ['sqlite', 'postgres'], doc: '"sqlite" (one file in data_dir, one node) or "postgres" (one database, any number of identical nodes)' },
      url: { type: 'string', default: '', doc: 'With engine = "postgres": postgres://user@host:port/database; the password may be left out of it and given by password_file or the POSTERN_STORE_PASSWORD environment variable' },
      password_file: { type: 'path', default: '', doc: 'With engine = "postgres": a file whose first line is the database password' },
      max_connections: { type: 'int', default: 10, min: 1, max: 1000, doc: 'With engine = "postgres": connections this node keeps to the database' },
    },
  },
  listen: {
    doc: 'Listening addresses',
    keys: {
      smtp: listen(25, 'Inbound SMTP from the internet (STARTTLS, no AUTH)'),
      submission: listen(587, 'Submission with STARTTLS and AUTH'),
      submissions: listen(465, 'Submission over implicit TLS'),
      imap: listen(143, 'IMAP with STARTTLS'),
      imaps: listen(993, 'IMAP over implicit TLS'),
      pop3: listen(110, 'POP3 with STLS'),
      pop3s: listen(995, 'POP3 over implicit TLS'),
      managesieve: listen(4190, 'ManageSieve (RFC 5804) with STARTTLS, for users\' Sieve filters'),
      http: listen(8080, 'HTTP: autoconfig, MTA-STS policy, ACME challenges (and /healthz, /metrics with [ops] token)'),
      https: { type: 'listen', default: false, doc: 'HTTPS (443 in production): the MTA-STS policy, which RFC 8461 requires over HTTPS at mta-sts.DOMAIN, and autoconfig over TLS: "host:port" or false' },
      ops: { type: 'listen', default: '127.0.0.1:8081', doc: 'Operational HTTP endpoints /healthz and /metrics, on loopback by default: "host:port" or false' },
      proxy_protocol_from: { type: 'strings', default: [], doc: 'Load balancers whose connections start with a HAProxy PROXY header (v1 or v2), as IP addresses or CIDR blocks like "10.0.0.0/8": from these the header is required and names the client on every listener; from anyone else it is not honoured. Empty: PROXY protocol off' },
    },
  },
  tls: {
    doc: 'TLS certificates',
    keys: {
      cert: { type: 'path', default: '', doc: 'PEM certificate chain; empty: a self-signed certificate for hostname is made in data_dir' },
      key: { type: 'path', default: '', doc: 'PEM private key for cert' },
      acme: { type: 'bool', default: false, doc: 'Obtain and renew certificates by ACME (RFC 8555) over HTTP-01 on the http listener' },
      acme_directory: { type: 'string', default: 'https://acme-v02.api.letsencrypt.org/directory', doc: 'ACME directory URL' },
      acme_email: { type: 'string', default: '', doc: 'Contact address given to the ACME CA' },
      acme_ca_file: { type: 'path', default: '', doc: 'Extra CA certificate (PEM) trusted for the ACME directory, for private or test CAs' },
    },
  },
  dns: {
    doc: 'The one resolver every lookup goes through',
    keys: {
      servers: { type: 'strings', default: [], doc: 'DNS servers as "host" or "host:port"; empty: the system resolvers' },
      timeout_ms: { type: 'int', default: 5000, min: 50, max: 60000, doc: 'Timeout of one DNS query' },
      tries: { type: 'int', default: 2, min: 1, max: 5, doc: 'Attempts per query before a temporary failure' },
      cache_s: { type: 'int', default: 60, min: 0, max: 3600, doc: 'Seconds an answer is reused (0: no cache; temporary failures are never cached)' },
    },
  },
  limits: {
    doc: 'Protocol limits (see src/limits.ts for the reasons behind each default)',
    keys: {
      message_size: { type: 'size', default: limits.MESSAGE_SIZE, doc: 'Largest message accepted (SMTP SIZE, IMAP APPEND), bytes or "50M"' },
      recipients: { type: 'int', default: limits.RECIPIENTS_PER_MESSAGE, min: 1, max: 100000, doc: 'Recipients per SMTP transaction' },
      connections_per_ip: { type: 'int', default: limits.CONNECTIONS_PER_IP, min: 1, max: 1000000, doc: 'Simultaneous connections from one IP address, per listener' },
      connections_total: { type: 'int', default: limits.CONNECTIONS_TOTAL, min: 1, max: 1000000, doc: 'Simultaneous connections per listener' },
      idle_timeout_s: { type: 'int', default: limits.IDLE_TIMEOUT_S, min: 1, max: 86400, doc: 'Seconds a session may stay silent (IMAP IDLE uses 30 minutes regardless, RFC 3501 §5.4)' },
      ipv6_prefix: { type: 'int', default: limits.IPV6_CLIENT_PREFIX, min: 32, max: 128, doc: 'IPv6 clients are counted (connections per IP, login throttle) by this prefix length: one host usually has a whole /64' },
      smtp_auth_deadline_s: { type: 'int', default: limits.SMTP_AUTH_DEADLINE_S, min: 1, max: 86400, doc: 'Seconds from connect to a successful AUTH on submission (587/465) before the connection is closed with 421' },
      smtp_data_min_rate: { type: 'int', default: limits.SMTP_DATA_MIN_BYTES_PER_S, min: 0, max: 1000000000, doc: 'Bytes per second a DATA transfer must average after smtp_data_grace_s, on every SMTP listener (421 and close below it); 0: no minimum' },
      smtp_data_grace_s: { type: 'int', default: limits.SMTP_DATA_GRACE_S, min: 1, max: 86400, doc: 'Seconds of DATA before smtp_data_min_rate applies' },
    },
  },
  inbound: {
    doc: 'Policy for mail arriving on port 25',
    keys: {
      dmarc_reject: { type: 'enum', default: 'reject', values: ['reject', 'junk', 'accept'], doc: 'DMARC fail where the domain publishes p=reject' },
      dmarc_quarantine: { type: 'enum', default: 'junk', values: ['junk', 'accept'], doc: 'DMARC fail where the domain publishes p=quarantine' },
      spf_fail: { type: 'enum', default: 'junk', values: ['junk', 'accept', 'reject'], doc: 'SPF fail (-all) with no DMARC policy' },
      dns_temperror: { type: 'enum', default: 'defer', values: ['defer', 'accept'], doc: 'A DNS timeout while verifying: defer with 451 or accept with temperror' },
      verify_timeout_ms: { type: 'int', default: 10000, min: 100, max: 120000, doc: 'Time allowed for SPF/DKIM/DMARC/ARC verification of one message' },
      own_domain_unauthenticated: { type: 'enum', default: 'junk', values: ['junk', 'reject'], doc: 'Mail whose From: is one of our domains without an aligned SPF or DKIM pass, whatever DMARC record is published' },
      dmarc_reports: { type: 'bool', default: false, doc: 'Record the DMARC results of mail arriving here and send each domain whose DMARC record has rua=mailto: a daily aggregate report (RFC 7489 §7.2; a destination outside that domain must publish its _report._dmarc consent, §7.1)' },
    },
  },
  submission: {
    doc: 'Authenticated submission on 587/465',
    keys: {
      hide_client_ip: { type: 'bool', default: false, doc: 'Leave the client IP out of the Received header' },
      allow_plaintext_loopback: { type: 'bool', default: false, doc: 'Allow AUTH without TLS from loopback addresses' },
      messages_per_hour: { type: 'int', default: 500, min: 1, max: 10000000, doc: 'Messages one user may submit per hour' },
      recipients_per_message: { type: 'int', default: 100, min: 1, max: 100000, doc: 'Recipients one user may name in one message' },
    },
  },
  queue: {
    doc: 'Outbound delivery',
    keys: {
      lifetime_s: { type: 'int', default: 5 * 86400, min: 60, max: 60 * 86400, doc: 'How long a message is retried before it bounces' },
      retry_schedule_s: { type: 'ints', default: [300, 600, 1800, 3600, 7200, 14400], min: 1, doc: 'Delays between attempts; the last repeats' },
      concurrency: { type: 'int', default: limits.QUEUE_CONCURRENCY, min: 1, max: 1000, doc: 'Outbound connections in total' },
      per_destination: { type: 'int', default: limits.QUEUE_PER_DESTINATION, min: 1, max: 100, doc: 'Outbound connections per destination host' },
      connect_timeout_s: { type: 'int', default: 30, min: 1, max: 600, doc: 'Time to connect and get a greeting from a remote MX' },
      command_timeout_s: { type: 'int', default: 300, min: 1, max: 3600, doc: 'Time to wait for a remote reply (RFC 5321 §4.5.3.2)' },
      tls_reports: { type: 'bool', default: true, doc: 'Send a daily TLS-RPT report (RFC 8460) of our outbound TLS results to each domain that publishes _smtp._tls with a mailto: rua' },
      delay_notice_s: { type: 'int', default: 4 * 3600, min: 0, max: 60 * 86400, doc: 'After this long deferred, the sender gets one "delayed" report (RFC 3464 Action: delayed); 0: never' },
      route: {
        type: 'tables', default: [], doc: 'Routes ([[queue.route]], tried in order; the first that matches a recipient is used, none: MX delivery). A route relays through a smarthost instead of the recipient\'s MX',
        keys: {
          domains: { type: 'strings', default: ['*'], doc: 'Recipient domains this route takes: "example.com", ".example.com" for its subdomains, "*" for every domain' },
          sender_domains: { type: 'strings', default: [], doc: 'Only mail whose envelope sender is in one of these domains (empty: any)' },
          accounts: { type: 'strings', default: [], doc: 'Only mail submitted by one of these accounts (empty: any)' },
          relay: { type: 'string', default: '', doc: 'The smarthost: "smtp://host:port" (required)' },
          tls: { type: 'enum', default: 'starttls', values: ['starttls', 'implicit', 'none'], doc: 'STARTTLS (required, certificate verified), implicit TLS (port 465), or none (loopback relays only)' },
          auth_user: { type: 'string', default: '', doc: 'SMTP AUTH user name (AUTH only over TLS); empty: no AUTH' },
          auth_password_file: { type: 'path', default: '', doc: 'File holding the AUTH password (its first line); the password is never written in this file' },
          ca_file: { type: 'path', default: '', doc: 'PEM CA certificate(s) trusted for the relay instead of the system\'s' },
        },
        example: { domains: '["*"]', relay: '"smtp://smtp.provider.example:587"', tls: '"starttls"', auth_user: '"postern@provider.example"', auth_password_file: '"/etc/postern/relay-password"' },
      },
    },
  },
  imap: {
    doc: 'IMAP',
    keys: {
      allow_plaintext_loopback: { type: 'bool', default: false, doc: 'Allow LOGIN/AUTHENTICATE without TLS from loopback addresses' },
      max_sessions_per_user: { type: 'int', default: limits.IMAP_MAX_SESSIONS_PER_USER, min: 5, max: 1000000, doc: 'Concurrent IMAP sessions per account (Thunderbird opens one per watched folder)' },
      idle_keepalive_s: { type: 'int', default: limits.IMAP_IDLE_KEEPALIVE_SECONDS, min: 1, max: 1740, doc: 'Seconds between "* OK Still here" keep-alives to idling sessions (RFC 2177; below the 29-minute NAT rule of thumb)' },
    },
  },
  pop3: {
    doc: 'POP3',
    keys: {
      allow_plaintext_loopback: { type: 'bool', default: false, doc: 'Allow USER/PASS/AUTH without TLS from loopback addresses' },
    },
  },
  managesieve: {
    doc: 'ManageSieve (RFC 5804): users upload and activate their Sieve scripts',
    keys: {
      allow_plaintext_loopback: { type: 'bool', default: false, doc: 'Allow AUTHENTICATE without TLS from loopback addresses' },
    },
  },
  login: {
    doc: 'Throttling of failed logins, shared by SMTP AUTH, IMAP, POP3 and ManageSieve',
    keys: {
      max_failures: { type: 'int', default: limits.LOGIN_MAX_FAILURES, min: 1, max: 1000, doc: 'Failures per IP or per account before a temporary lockout' },
      lockout_s: { type: 'int', default: limits.LOGIN_LOCKOUT_S, min: 1, max: 86400, doc: 'Length of the lockout' },
    },
  },
  spam: {
    doc: 'Spam defence for mail arriving on port 25 (per-account learning, reputation, DNS lists, rspamd); see README "Spam"',
    keys: {
      enabled: { type: 'bool', default: true, doc: 'Judge inbound mail; false delivers everything to INBOX without X-Spam headers' },
      junk_score: { type: 'int', default: 5, min: 1, max: 1000, doc: 'Score at or above which a message goes to the recipient\'s Junk' },
      reject_score: { type: 'int', default: 0, min: 0, max: 1000, doc: 'Score at or above which a message is refused with 550 5.7.1 and a copy kept in Rejects; 0: never refuse' },
      min_trained: { type: 'int', default: limits.SPAM_MIN_TRAINED, min: 1, max: 100000, doc: 'Messages of each class an account must have trained before its classifier gives a verdict' },
      rejects_keep_days: { type: 'int', default: 14, min: 1, max: 3650, doc: 'Days a refused message is kept in the Rejects mailbox' },
      dnsbl: { type: 'strings', default: [], doc: 'DNS blocklist zones, "zone" or "zone=127.0.0.2,127.0.0.4-127.0.0.7" (the listing codes); consulted only when reputation is inconclusive' },
      dnswl: { type: 'strings', default: [], doc: 'DNS allowlist zones, same form as dnsbl' },
      early_talker: { type: 'bool', default: false, doc: 'Pause the greeting and score clients that talk before it (delays only that connection)' },
      greeting_pause_ms: { type: 'int', default: limits.SPAM_GREETING_PAUSE_MS, min: 100, max: 30000, doc: 'Length of the early-talker greeting pause' },
      helo_check: { type: 'bool', default: true, doc: 'Score a HELO that is our own name or a bare IP address' },
      fcrdns_check: { type: 'bool', default: true, doc: 'Score a public client IP without forward-confirmed reverse DNS' },
      greylist: { type: 'bool', default: false, doc: 'Greylist first-time senders (451 4.7.1); never senders whose SPF or DKIM passes for a domain the account has mail from' },
      greylist_delay_s: { type: 'int', default: 300, min: 1, max: 86400, doc: 'Seconds before a greylisted sender\'s retry is accepted' },
      rspamd: { type: 'string', default: '', doc: 'rspamd worker URL for /checkv2, such as "http://127.0.0.1:11333"; its score is added to ours; empty: not used' },
      rspamd_controller: { type: 'string', default: '', doc: 'rspamd controller URL that training is forwarded to (learnspam/learnham); empty: the rspamd URL with port 11334 for 11333' },
      outbound_messages_per_day: { type: 'int', default: 1000, min: 0, max: 10000000, doc: 'Messages one account may submit per UTC day (451 4.7.1 beyond); 0: no cap' },
      outbound_new_recipients_per_day: { type: 'int', default: 200, min: 0, max: 10000000, doc: 'First-time recipients one account may write to per UTC day; 0: no cap' },
    },
  },
  ops: {
    doc: 'The operational endpoints /healthz and /metrics',
    keys: {
      token: { type: 'string', default: '', doc: 'Bearer token: when set, /healthz and /metrics need "Authorization: Bearer <token>" and are also answered on the http/https listeners' },
    },
  },
  doctor: {
    doc: '`postern doctor`: the checks of whether mail from this server arrives',
    keys: {
      addresses: { type: 'strings', default: [], doc: 'Public IPv4/IPv6 addresses this server sends from; empty: its public interface addresses, else the addresses of hostname' },
      test_mx: { type: 'string', default: 'gmail-smtp-in.l.google.com:25', doc: 'An MX host ("host:port") dialled to see whether outbound port 25 is open' },
      timeout_s: { type: 'int', default: 5, min: 1, max: 60, doc: 'Time allowed to connect to the test MX (and to each route relay) and read its greeting' },
    },
  },
  mta_sts: {
    doc: 'The MTA-STS policy served for our domains (RFC 8461)',
    keys: {
      mode: { type: 'enum', default: 'testing', values: ['testing', 'enforce', 'none'], doc: 'Policy mode' },
      max_age_s: { type: 'int', default: 604800, min: 86400, max: 31557600, doc: 'Policy max_age' },
    },
  },
  testing: {
    doc: 'For test setups only; all are off in production and logged loudly when on',
    keys: {
      spam_loopback_is_public: { type: 'bool', default: false, doc: 'Judge loopback SMTP clients like internet ones (IP reputation, DNS lists, FCrDNS), so tests can connect from 127.0.0.x' },
      remote_smtp_port: { type: 'int', default: 25, min: 1, max: 65535, doc: 'Port used to reach remote MX hosts' },
      allow_private_mx: { type: 'bool', default: false, doc: 'Permit MX hosts on loopback and private addresses' },
    },
  },
  log: {
    doc: 'Logging',
    keys: {
      level: { type: 'enum', default: 'info', values: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], doc: 'Least severe level written' },
    },
  },
};
