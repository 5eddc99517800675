// The metrics every module reports, named once here so /metrics stays consistent as modules are
// added: a module takes the handles it needs (`serverMetrics(ctx.metrics).connections.inc({ protocol:
// 'imap' })`) and never registers a metric of its own. What must always be true: names follow
// Prometheus conventions (`_total` for counters, base units such as seconds); each metric is always
// incremented with the same label names; label values come from small fixed sets (protocol names,
// result keywords, reason keywords), never from addresses or hosts, so the number of series stays
// bounded.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Counter, Gauge, GaugeCollector, Histogram, Metrics } from './registry.ts';

/** Seconds from the end of DATA (or APPEND) to the committed delivery. */
export const DELIVERY_LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export interface ServerMetrics {
  /** Connections admitted. labels: protocol = smtp | submission | imap | pop3 | http */
  connections: Counter;
  /** Connections turned away by the connection limits. labels: protocol, reason = per-ip | total */
  connectionsRefused: Counter;
  /** Messages committed (every copy stored, every remote recipient queued). labels: source = inbound | submission | dsn */
  messagesReceived: Counter;
  /**
   * Messages refused at the end of DATA. labels: source = inbound | submission, reason = too-big |
   * bare-cr | loop | over-quota, or (inbound) the policy's reason: dmarc-reject | spf-fail | temperror
   */
  messagesRefused: Counter;
  /** Inbound messages accepted but filed in Junk by policy (also counted in messagesReceived). labels: reason = dmarc-reject | dmarc-quarantine | spf-fail */
  messagesJunked: Counter;
  /** Outbound recipients accepted by the remote server. */
  messagesSent: Counter;
  /** Outbound delivery attempts of one recipient that failed temporarily and will be retried. */
  messagesDeferred: Counter;
  /** Outbound recipients failed permanently or expired (a DSN goes back unless the sender was null). */
  messagesBounced: Counter;
  /**
   * Outbound attempts the remote (or our relay) refused, temporarily or for good, per recipient.
   * labels: class = the rejection table's class (src/queue/rejections.ts: ip-blocked | blocklisted |
   * no-ptr | authentication | rate-limited | reputation | greylisted | relay-auth | other),
   * destination = microsoft | google | yahoo | relay | other
   */
  outboundRejections: Counter;
  /** DMARC and TLS-RPT reports found in mail to postmaster@. labels: kind = dmarc | tls | unknown, result = stored | duplicate | invalid */
  reportsReceived: Counter;
  /** labels: protocol (as for connections) */
  authFailures: Counter;
  /**
   * Inbound verification results: per verified message one spf, one dmarc and one arc result, and
   * one dkim result per signature (`none` when unsigned). labels: method = spf | dkim | dmarc | arc,
   * result = pass | fail | softfail | neutral | none | temperror | permerror | policy
   */
  verdicts: Counter;
  /** labels: source = inbound | submission (| append once IMAP reports it) */
  deliveryLatency: Histogram;
  /** labels: scheme = http | https | ops, code = the status code answered */
  httpRequests: Counter;
  /**
   * Connections closed because serving them threw (a bug of ours, or input no parser expected);
   * the process kept serving everybody else. labels: protocol (as for connections)
   */
  connectionErrors: Counter;
  /** Connections from a trusted load balancer closed for their PROXY header. labels: protocol, reason = invalid | oversized | timeout | closed */
  proxyHeadersRefused: Counter;
  /** Exceptions and rejections that reached the process-level guard (src/process-guard.ts). labels: kind = exception | rejection */
  uncaughtErrors: Counter;
}

export function serverMetrics(m: Metrics): ServerMetrics {
  return {
    connections: m.counter('postern_connections_total', 'Connections accepted, by protocol.'),
    connectionsRefused: m.counter('postern_connections_refused_total', 'Connections refused by the connection limits, by protocol and limit.'),
    messagesReceived: m.counter('postern_messages_received_total', 'Messages accepted, by source.'),
    messagesRefused: m.counter('postern_messages_refused_total', 'Messages refused at the end of DATA, by source and reason.'),
    messagesJunked: m.counter('postern_messages_junked_total', 'Inbound messages accepted into Junk by policy, by reason.'),
    messagesSent: m.counter('postern_messages_sent_total', 'Outbound recipients delivered to the remote server.'),
    messagesDeferred: m.counter('postern_messages_deferred_total', 'Outbound delivery attempts deferred for a retry, per recipient.'),
    messagesBounced: m.counter('postern_messages_bounced_total', 'Outbound recipients failed permanently (DSN sent unless the sender was null).'),
    reportsReceived: m.counter('postern_reports_received_total', 'DMARC aggregate and TLS-RPT reports received, by kind and result.'),
    outboundRejections: m.counter('postern_outbound_rejections_total', 'Outbound recipients refused by the remote server, by rejection class and destination.'),
    authFailures: m.counter('postern_auth_failures_total', 'Failed logins, by protocol.'),
    verdicts: m.counter('postern_verification_verdicts_total', 'Inbound SPF/DKIM/DMARC/ARC results, by method and result.'),
    deliveryLatency: m.histogram('postern_delivery_latency_seconds', 'Seconds from end of DATA or APPEND to committed delivery.', DELIVERY_LATENCY_BUCKETS),
    httpRequests: m.counter('postern_http_requests_total', 'HTTP requests answered, by scheme and status code.'),
    connectionErrors: m.counter('postern_connection_errors_total', 'Connections closed after an internal error while serving them, by protocol.'),
    proxyHeadersRefused: m.counter('postern_proxy_headers_refused_total', 'Connections from a trusted load balancer closed because their PROXY header was malformed, oversized, late or missing, by protocol and reason.'),
    uncaughtErrors: m.counter('postern_uncaught_errors_total', 'Errors caught by the process-level last-resort guard, by kind.'),
  };
}

export interface SpamMetrics {
  /** Inbound messages judged by the spam filter, per recipient account. labels: action = inbox | junk | reject */
  verdicts: Counter;
  /** DNS list lookups. labels: list = dnsbl | dnswl, result = listed | not-listed | error */
  dnsLists: Counter;
  /** Filings applied to the classifier. labels: class = spam | ham | none */
  trained: Counter;
  /** Inbound transactions deferred by greylisting. */
  greylisted: Counter;
  /** Submissions refused by the outbound caps. labels: cap = messages | new-recipients */
  outboundCapped: Counter;
  /** rspamd requests. labels: kind = check | learn, result = ok | error */
  rspamd: Counter;
}

export function spamMetrics(m: Metrics): SpamMetrics {
  return {
    verdicts: m.counter('postern_spam_verdicts_total', 'Inbound messages judged by the spam filter, per recipient account, by action.'),
    dnsLists: m.counter('postern_spam_dns_list_lookups_total', 'DNS blocklist and allowlist lookups, by list kind and result (error: timeout or an answer that is not a listing code).'),
    trained: m.counter('postern_spam_trained_total', 'Filings applied to the spam classifier, by class.'),
    greylisted: m.counter('postern_spam_greylisted_total', 'Inbound transactions deferred by greylisting.'),
    outboundCapped: m.counter('postern_outbound_capped_total', 'Submissions refused by the per-account daily caps, by cap.'),
    rspamd: m.counter('postern_spam_rspamd_requests_total', 'Requests to rspamd, by kind and result.'),
  };
}

/** The queue's gauges, computed at scrape time from the store (depth by status, age of the oldest entry). */
export function queueGauges(m: Metrics, depth: GaugeCollector, oldestAgeSeconds: GaugeCollector): { depth: Gauge; oldestAge: Gauge } {
  return {
    depth: m.gauge('postern_queue_depth', 'Queue entries waiting (one per recipient), by status.', depth),
    oldestAge: m.gauge('postern_queue_oldest_age_seconds', 'Age of the oldest message still waiting in the queue (0 when empty).', oldestAgeSeconds),
  };
}

/** The longest event-loop delay since the previous scrape (the gauge resets when read): the figure
 *  that says whether one client held everybody else up. Started by serve; stop() ends the sampling. */
export function eventLoopGauge(m: Metrics): { stop(): void } {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  m.gauge('postern_event_loop_delay_max_seconds', 'Longest event-loop delay since the previous scrape.', () => {
    const max = histogram.max / 1e9;
    histogram.reset();
    return [{ value: Number.isFinite(max) && max > 0 ? max : 0 }];
  });
  return { stop: () => histogram.disable() };
}

/** The store's WAL, read at scrape time: its size (bounded by the checkpoint thread) and how often it was truncated. */
export function storeGauges(m: Metrics, walBytes: GaugeCollector, walTruncations: GaugeCollector): { walBytes: Gauge; walTruncations: Gauge } {
  return {
    walBytes: m.gauge('postern_store_wal_bytes', 'Size of the SQLite write-ahead log file in bytes.', walBytes),
    walTruncations: m.gauge('postern_store_wal_truncations', 'WAL truncations by the checkpoint thread since the server started.', walTruncations),
  };
}
