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
/** IPv6 clients are one "IP" per /64 (connection limits, login throttle): a host is routinely given a
 *  whole /64 (RFC 7421), so counting single addresses would let one host take every slot. */
export const IPV6_CLIENT_PREFIX = 64;
/** A TLS handshake (imaps, pop3s, submissions, STARTTLS) must finish within this time; Node's default is
 *  120 s, which let one IP hold sockets that were never counted. 10 s is ample over any real link. */
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;
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

// Outbound queue and submission.
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
/** Parallel outbound connections in total, and per destination host: large receivers throttle a
 * sender that opens many connections at once, and three is what they tolerate from a small one. */
export const QUEUE_CONCURRENCY = 20;
export const QUEUE_PER_DESTINATION = 3;
/** New mail waits this long for more before the worker scans, so a burst is picked up in one pass. */
export const QUEUE_KICK_DELAY_MS = 20;
/**
 * Outcomes arriving within this window share one commit. Bounds the duplicate window after a
 * crash (a remote 250 not yet recorded) to a few milliseconds while saving an fsync per message.
 */
export const QUEUE_RECORD_WINDOW_MS = 10;
/** Messages carried by one outbound connection before it is closed and the next batch dialled. */
export const QUEUE_MESSAGES_PER_CONNECTION = 100;
/** RFC 8461 §3.3: policy bodies are small; refuse anything bigger. */
export const MTA_STS_MAX_POLICY_BYTES = 64 * 1024;
export const MTA_STS_FETCH_TIMEOUT_MS = 30_000;
/** How long a policy is kept in memory when the TXT record says nothing has changed, at most its max_age. */
export const MTA_STS_MAX_AGE_S = 31_557_600;
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
/** Absolute time from connect to a successful POP3 login (idle timers alone let a client that sends
 *  NOOP-like junk stay unauthenticated for ever). */
export const POP3_PREAUTH_DEADLINE_SECONDS = 120;
/** POP3 commands a client may have queued (RFC 2449 §6.6 PIPELINING) before we stop reading from it. */
export const POP3_MAX_PIPELINED = 100;

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

/** All the literals of one command together, besides APPEND's message: 1000 literals of 64 KiB each
 *  would otherwise be 64 MiB per connection. Real commands send a password or a mailbox name. */
export const IMAP_MAX_COMMAND_LITERAL_BYTES = 256 * 1024;

/** All the literals of one command before login (a user name and password, ID fields): an
 *  unauthenticated client gets a few KiB, refused at the announcement as Dovecot does. */
export const IMAP_MAX_PREAUTH_LITERAL_BYTES = 4 * 1024;

/** Absolute time from connect to a successful login. Idle timers alone let a client stay forever
 *  unauthenticated by sending NOOP; a person typing a password or a client's retry fits easily. */
export const IMAP_PREAUTH_DEADLINE_SECONDS = 120;

/** A literal (APPEND's message) must arrive at this average rate after a grace period, or the
 *  connection is closed: 1 byte per idle interval would otherwise hold it for ever. 4 KiB/s is a
 *  slow mobile uplink; 50 MiB then has 3.5 hours. */
export const IMAP_LITERAL_MIN_BYTES_PER_SECOND = 4 * 1024;
export const IMAP_LITERAL_GRACE_SECONDS = 60;

/** Deepest parenthesis nesting in a command (SEARCH keys nest; real clients stay under 5). */
export const IMAP_MAX_NESTING_DEPTH = 32;

/** Patterns in one LIST (RFC 5258 §3 allows a list): each is matched against every mailbox name, so
 *  patterns × their length × names is the command's cost. Each pattern is also at most
 *  IMAP_MAX_MAILBOX_NAME_LENGTH characters. */
export const IMAP_MAX_LIST_PATTERNS = 16;

/** LIST/LSUB yield to the event loop after matching this many mailboxes. */
export const IMAP_LIST_YIELD_EVERY = 32;

/** SEARCH (RFC 3501 §6.4.4) keys nest through parentheses and through NOT/OR; each level is a stack
 *  frame and a level of SQL. Thunderbird's filters stay under 10; 1000 NOTs gave a SERVERBUG. */
export const IMAP_MAX_SEARCH_DEPTH = 64;
/** Keys in one SEARCH, and among them keys that match text (HEADER, BODY, TEXT, FROM…): each text key
 *  is a scan of every message's text, so their number multiplies the command's cost. */
export const IMAP_MAX_SEARCH_KEYS = 1000;
export const IMAP_MAX_SEARCH_TEXT_KEYS = 32;
/** Longest SEARCH string: people search for words and addresses, not pages. */
export const IMAP_MAX_SEARCH_STRING_BYTES = 1024;
/** A SEARCH evaluates a mailbox in pages of UIDs, adapting the page so each takes about this long,
 *  and yields to the event loop between pages: no other client waits longer than about this. */
export const IMAP_SEARCH_SLICE_MS = 20;
/** A SEARCH still running after this long is ended with NO [LIMIT]: our cost, not the client's choice. */
export const IMAP_SEARCH_MAX_MS = 60_000;

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

/** Messages per page when FETCH wants message bytes: small messages come with their row (up to one
 *  BLOB_CHUNK_SIZE each), and the page is held while a slow client reads, so 16 rows ≈ 1 MiB. */
export const IMAP_FETCH_CONTENT_PAGE_SIZE = 16;
/** A FETCH literal larger than this is streamed from the store in IMAP_FETCH_STREAM_CHUNK pieces. */
export const IMAP_FETCH_STREAM_THRESHOLD = 256 * 1024;
export const IMAP_FETCH_STREAM_CHUNK = 256 * 1024;
/** FETCH output gathered before it is written and the socket's drain awaited. */
export const IMAP_FETCH_FLUSH_BYTES = 256 * 1024;

/** Seconds an authenticated session may stay silent outside IDLE (RFC 3501 §5.4: at least 30 min). */
export const IMAP_IDLE_TIMEOUT_SECONDS = 30 * 60 + 60;

/** Seconds a connection may stay silent before logging in. */
export const IMAP_PREAUTH_TIMEOUT_SECONDS = 60;

/** Concurrent IMAP sessions per user (Thunderbird opens one per watched folder; CLIENTS.md asks ≥ 5). */
export const IMAP_MAX_SESSIONS_PER_USER = 50;

/** Bad commands tolerated in a row before we close the connection (stops garbage floods). */
export const IMAP_MAX_BAD_COMMANDS = 20;
