// The metrics every module reports, named once here so /metrics stays consistent as modules are
// added: a module takes the handles it needs (`serverMetrics(ctx.metrics).connections.inc({ protocol:
// 'imap' })`). What must always be true: names follow Prometheus conventions (`_total` for counters,
// base units such as seconds), and label values come from small fixed sets (protocol names, result
// keywords), never from addresses or hosts, so the number of series stays bounded.
import type { Counter, Gauge, GaugeCollector, Histogram, Metrics } from './registry.ts';

/** Seconds from the end of DATA (or APPEND) to the committed delivery. */
export const DELIVERY_LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export interface ServerMetrics {
  /** labels: protocol = smtp | submission | imap | pop3 | http */
  connections: Counter;
  /** labels: source = inbound | submission | dsn */
  messagesReceived: Counter;
  /** Outbound recipients accepted by the remote server. */
  messagesSent: Counter;
  /** Outbound recipients failed permanently (a DSN went back). */
  messagesBounced: Counter;
  /** labels: protocol */
  authFailures: Counter;
  /** labels: method = spf | dkim | dmarc | arc, result = pass | fail | softfail | neutral | none | temperror | permerror */
  verdicts: Counter;
  /** labels: source */
  deliveryLatency: Histogram;
}

export function serverMetrics(m: Metrics): ServerMetrics {
  return {
    connections: m.counter('postern_connections_total', 'Connections accepted, by protocol.'),
    messagesReceived: m.counter('postern_messages_received_total', 'Messages accepted, by source.'),
    messagesSent: m.counter('postern_messages_sent_total', 'Outbound recipients delivered to the remote server.'),
    messagesBounced: m.counter('postern_messages_bounced_total', 'Outbound recipients failed permanently (DSN sent).'),
    authFailures: m.counter('postern_auth_failures_total', 'Failed logins, by protocol.'),
    verdicts: m.counter('postern_verification_verdicts_total', 'Inbound SPF/DKIM/DMARC/ARC results, by method and result.'),
    deliveryLatency: m.histogram('postern_delivery_latency_seconds', 'Seconds from end of DATA or APPEND to committed delivery.', DELIVERY_LATENCY_BUCKETS),
  };
}

/** The queue's gauges, computed at scrape time from the store (depth by status, age of the oldest entry). */
export function queueGauges(m: Metrics, depth: GaugeCollector, oldestAgeSeconds: GaugeCollector): { depth: Gauge; oldestAge: Gauge } {
  return {
    depth: m.gauge('postern_queue_depth', 'Queue entries (one per recipient), by status.', depth),
    oldestAge: m.gauge('postern_queue_oldest_age_seconds', 'Age of the oldest undelivered queue entry.', oldestAgeSeconds),
  };
}
