// Every protocol limit Postern enforces, as a named constant with the reason for its number.
// Config (`[limits]`) may raise or lower the ones an operator is expected to tune; the rest are
// fixed here so the parsers cannot drift apart.

/** Largest message accepted, in bytes (SMTP SIZE, IMAP APPEND). 50 MiB is what large providers accept. */
export const MESSAGE_SIZE = 50 * 1024 * 1024;
/** Recipients per SMTP transaction. RFC 5321 §4.5.3.1.8 requires at least 100 to be accepted. */
export const RECIPIENTS_PER_MESSAGE = 100;
/** Simultaneous connections from one IP address, per listener. Thunderbird opens one per watched folder. */
export const CONNECTIONS_PER_IP = 20;
/** Simultaneous connections per listener in total. */
export const CONNECTIONS_TOTAL = 2000;
/** Seconds a session may stay silent. RFC 5321 §4.5.3.2.7 asks for at least 5 minutes in SMTP. */
export const IDLE_TIMEOUT_S = 300;
/** SMTP command line length including CRLF (RFC 5321 §4.5.3.1.4: 512 octets). */
export const SMTP_LINE_LENGTH = 512;
/** Raw message bytes are stored in chunks of this size, so a partial FETCH reads only what it needs. */
export const BLOB_CHUNK_SIZE = 64 * 1024;
/** Failed logins from one IP or for one account before a temporary lockout. */
export const LOGIN_MAX_FAILURES = 10;
/** Seconds a lockout lasts after LOGIN_MAX_FAILURES. */
export const LOGIN_LOCKOUT_S = 300;
/** Delay added per recent failure (progressive), capped at LOGIN_MAX_DELAY_MS. */
export const LOGIN_DELAY_STEP_MS = 250;
export const LOGIN_MAX_DELAY_MS = 3000;

// MIME nesting (multipart and message/rfc822 together) beyond which deeper
// structure is stored as one opaque part. Real mail rarely nests past 10;
// 50 keeps hostile messages from driving recursion and BODYSTRUCTURE size.
export const MIME_MAX_DEPTH = 50;

// Parts per message beyond which further multipart/message structure is
// treated as opaque. Bounds tree size in the store and BODYSTRUCTURE length.
export const MIME_MAX_PARTS = 2000;

// Characters of decoded text kept per message for SEARCH BODY/TEXT. Enough for
// any human-written mail; bounds index size and delivery time for huge bodies.
export const SEARCH_TEXT_MAX_CHARS = 256 * 1024;

/** Largest HTTP request body read (autodiscover POSTs are a few hundred bytes). */
export const HTTP_MAX_BODY_BYTES = 64 * 1024;
/** An HTTP client that has not sent its whole request in this time is disconnected (slowloris). */
export const HTTP_REQUEST_TIMEOUT_MS = 10_000;
/** Received fields beyond which a message is taken to be looping (RFC 5321 §6.3); answered 554 5.4.6. */
export const SMTP_MAX_RECEIVED = 50;

/** POP3 command line length including CRLF. RFC 2449 §4 caps client command lines at 255 octets,
 * but RFC 5034 §4 exempts SASL responses from it; 4096 holds any PLAIN response with room to spare. */
export const POP3_LINE_LENGTH = 4096;
/** Commands that may fail in one POP3 session (unknown, wrong state, bad argument) before we hang up,
 * so a confused or hostile client cannot keep a connection busy forever. */
export const POP3_MAX_BAD_COMMANDS = 20;
/** Bytes of a RETR response gathered before one socket write: small messages go out in one write,
 * large ones stream in steps this size, waiting for 'drain' between them. */
export const POP3_WRITE_BATCH = 64 * 1024;
/** Messages whose POP3 size is computed between two yields to the event loop, at a first login. */
export const POP3_OCTETS_PAGE = 200;
/** POP3 commands a client may have queued (RFC 2449 §6.6 PIPELINING) before we stop reading from it. */
export const POP3_MAX_PIPELINED = 100;
