// Every protocol limit as a named constant with the reason for its number; config may lower or raise them.

/** Largest HTTP request body read (autodiscover POSTs are a few hundred bytes). */
export const HTTP_MAX_BODY_BYTES = 64 * 1024;
/** An HTTP client that has not sent its request in this time is disconnected (slowloris). */
export const HTTP_REQUEST_TIMEOUT_MS = 10_000;
