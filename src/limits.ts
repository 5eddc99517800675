// Every protocol limit as a named constant with the reason for its number; config may override.
// (Outbound queue and submission section; the foundation's limits merge in beside these.)

/** RFC 5321 §4.5.4.1: retry after at least 30 minutes is the norm; we start faster for first hiccups. */
export const QUEUE_RETRY_SCHEDULE_S = [300, 600, 1800, 3600, 7200, 14400];
/** RFC 5321 §4.5.4.1: give up after 4-5 days. */
export const QUEUE_LIFETIME_S = 5 * 24 * 3600;
/** ±10% spread on each retry so a restart or an outage does not retry everything at once. */
export const QUEUE_RETRY_JITTER = 0.1;
/** RFC 5321 §4.5.3.2: initial 220 within 5 minutes; we wait less for connect and greeting. */
export const SMTP_CLIENT_CONNECT_TIMEOUT_MS = 30_000;
export const SMTP_CLIENT_GREETING_TIMEOUT_MS = 60_000;
/** RFC 5321 §4.5.3.2: 5 minutes for MAIL/RCPT, 10 minutes after the final dot; one idle limit covers both. */
export const SMTP_CLIENT_SOCKET_TIMEOUT_MS = 300_000;
/** How far next_attempt_at moves before dialling: longer than one host attempt can take. */
export const QUEUE_CLAIM_LEASE_MS = 15 * 60_000;
/** Parallel outbound connections in total and per destination domain. */
export const QUEUE_CONCURRENCY = 20;
export const QUEUE_PER_DESTINATION = 4;
/** Messages carried by one outbound connection before it is closed and the next batch dialled. */
export const QUEUE_MESSAGES_PER_CONNECTION = 100;
/** RFC 8461 §3.3: policy bodies are small; refuse anything bigger. */
export const MTA_STS_MAX_POLICY_BYTES = 64 * 1024;
export const MTA_STS_FETCH_TIMEOUT_MS = 30_000;
/** How long a policy is kept in memory when the TXT record says nothing has changed, at most its max_age. */
export const MTA_STS_MAX_AGE_S = 31_557_600;
