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

// --- IMAP (issue 5) ---

/** Longest command line (excluding literal bodies). RFC 7162 §4 asks servers to accept lines of at
 *  least 8192 octets; UID sets from resyncing clients can be long, so we allow 64 KiB. */
export const IMAP_MAX_LINE_LENGTH = 64 * 1024;

/** Largest literal accepted in APPEND: the largest message we store. */
export const IMAP_MAX_APPEND_LITERAL = MESSAGE_SIZE;

/** Largest literal accepted in any other command (LOGIN passwords, SEARCH strings, mailbox names). */
export const IMAP_MAX_ARGUMENT_LITERAL = 64 * 1024;

/** Most literals in one command: MULTIAPPEND of a few hundred messages is plenty. */
export const IMAP_MAX_LITERALS_PER_COMMAND = 1000;

/** Deepest parenthesis nesting in a command (SEARCH keys nest; real clients stay under 5). */
export const IMAP_MAX_NESTING_DEPTH = 32;

/** Longest mailbox name in bytes (after modified UTF-7 decoding, as UTF-8). */
export const IMAP_MAX_MAILBOX_NAME_LENGTH = 1024;

/** Messages read from the store per page when serving a large FETCH/SEARCH/STORE range, so one
 *  command never holds the event loop for long. */
export const IMAP_FETCH_PAGE_SIZE = 500;

/** Messages changed per transaction by one STORE (each page commits on its own, so a STORE over a
 *  100,000-message mailbox never holds the event loop for more than a few tens of milliseconds). */
export const IMAP_STORE_PAGE_SIZE = 2000;

/** Bytes of FETCH output buffered in the socket before the session waits for 'drain'. */
export const IMAP_OUTPUT_HIGH_WATER = 1024 * 1024;

/** Seconds an authenticated session may stay silent outside IDLE (RFC 3501 §5.4: at least 30 min). */
export const IMAP_IDLE_TIMEOUT_SECONDS = 30 * 60 + 60;

/** Seconds a connection may stay silent before logging in. */
export const IMAP_PREAUTH_TIMEOUT_SECONDS = 60;

/** Concurrent IMAP sessions per user (Thunderbird opens one per watched folder; CLIENTS.md asks ≥ 5). */
export const IMAP_MAX_SESSIONS_PER_USER = 50;

/** Bad commands tolerated in a row before we close the connection (stops garbage floods). */
export const IMAP_MAX_BAD_COMMANDS = 20;
