// Every protocol limit Postern enforces, as a named constant with the reason for its number.
// Config may lower or raise them; code reads them from here (or from config), never from literals.

// --- IMAP (issue 5) ---

/** Longest command line (excluding literal bodies). RFC 7162 §4 asks servers to accept lines of at
 *  least 8192 octets; UID sets from resyncing clients can be long, so we allow 64 KiB. */
export const IMAP_MAX_LINE_LENGTH = 64 * 1024;

/** Largest literal accepted in APPEND: the largest message we store (matches the SMTP size limit). */
export const IMAP_MAX_APPEND_LITERAL = 50 * 1024 * 1024;

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

/** Bytes of FETCH output buffered in the socket before the session waits for 'drain'. */
export const IMAP_OUTPUT_HIGH_WATER = 1024 * 1024;

/** Seconds an authenticated session may stay silent outside IDLE (RFC 3501 §5.4: at least 30 min). */
export const IMAP_IDLE_TIMEOUT_SECONDS = 30 * 60 + 60;

/** Seconds a connection may stay silent before logging in. */
export const IMAP_PREAUTH_TIMEOUT_SECONDS = 60;

/** Concurrent IMAP sessions per user (Thunderbird opens one per watched folder; CLIENTS.md asks ≥ 5). */
export const IMAP_MAX_SESSIONS_PER_USER = 50;

/** Concurrent IMAP connections per remote IP address. */
export const IMAP_MAX_CONNECTIONS_PER_IP = 100;

/** Bad commands tolerated in a row before we close the connection (stops garbage floods). */
export const IMAP_MAX_BAD_COMMANDS = 20;
