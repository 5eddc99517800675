// The validated configuration as the program uses it. Mirrors src/config/schema.ts key for key.

export interface ListenAddress {
  /** '' means every address. */
  host: string;
  port: number;
}

/** One `[[queue.route]]` entry as written; src/queue/routes.ts checks and uses it. */
export interface RouteConfig {
  domains: string[]; sender_domains: string[]; accounts: string[]; relay: string;
  tls: 'starttls' | 'implicit' | 'none'; auth_user: string; auth_password_file: string; ca_file: string;
}

export interface Config {
  hostname: string;
  data_dir: string;
  store: { engine: 'sqlite' | 'postgres'; url: string; password_file: string; max_connections: number };
  listen: {
    smtp: ListenAddress | null; submission: ListenAddress | null; submissions: ListenAddress | null;
    imap: ListenAddress | null; imaps: ListenAddress | null; pop3: ListenAddress | null;
    pop3s: ListenAddress | null; http: ListenAddress | null; https: ListenAddress | null; ops: ListenAddress | null;
    managesieve: ListenAddress | null;
    /** Addresses and CIDR blocks of trusted load balancers (src/config/proxy-trust.ts). */
    proxy_protocol_from: string[];
  };
  tls: { cert: string; key: string; acme: boolean; acme_directory: string; acme_email: string; acme_ca_file: string };
  dns: { servers: string[]; timeout_ms: number; tries: number; cache_s: number };
  limits: { message_size: number; recipients: number; connections_per_ip: number; connections_total: number; idle_timeout_s: number; ipv6_prefix: number;
    smtp_auth_deadline_s: number; smtp_data_min_rate: number; smtp_data_grace_s: number };
  inbound: {
    dmarc_reject: 'reject' | 'junk' | 'accept'; dmarc_quarantine: 'junk' | 'accept';
    spf_fail: 'junk' | 'accept' | 'reject'; dns_temperror: 'defer' | 'accept'; verify_timeout_ms: number;
    own_domain_unauthenticated: 'junk' | 'reject'; dmarc_reports: boolean;
  };
  submission: { hide_client_ip: boolean; allow_plaintext_loopback: boolean; messages_per_hour: number; recipients_per_message: number };
  queue: {
    lifetime_s: number; retry_schedule_s: number[]; concurrency: number; per_destination: number; connect_timeout_s: number; command_timeout_s: number;
    delay_notice_s: number; tls_reports: boolean; route: RouteConfig[];
  };
  imap: { allow_plaintext_loopback: boolean; max_sessions_per_user: number; idle_keepalive_s: number };
  pop3: { allow_plaintext_loopback: boolean };
  managesieve: { allow_plaintext_loopback: boolean };
  login: { max_failures: number; lockout_s: number };
  spam: {
    enabled: boolean; junk_score: number; reject_score: number; min_trained: number; rejects_keep_days: number;
    dnsbl: string[]; dnswl: string[]; early_talker: boolean; greeting_pause_ms: number; helo_check: boolean; fcrdns_check: boolean;
    greylist: boolean; greylist_delay_s: number; rspamd: string; rspamd_controller: string; outbound_messages_per_day: number; outbound_new_recipients_per_day: number;
  };
  ops: { token: string };
  doctor: { addresses: string[]; test_mx: string; timeout_s: number };
  mta_sts: { mode: 'testing' | 'enforce' | 'none'; max_age_s: number };
  testing: { remote_smtp_port: number; allow_private_mx: boolean; spam_loopback_is_public: boolean };
  log: { level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent' };
}
