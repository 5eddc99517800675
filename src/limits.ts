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
/** How far next_attempt_at moves before dialling (the claim's lease). The node renews the leases of
 *  the claims it is still working on every QUEUE_CLAIM_RENEW_MS, so an attempt may take as long as
 *  it takes, while the claims of a node that died come back to the others within this. */
export const QUEUE_CLAIM_LEASE_MS = 120_000;
/** How often a node extends its claims' leases: a quarter of the lease, so three missed renewals in a row still hold them. */
export const QUEUE_CLAIM_RENEW_MS = 30_000;
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

/** CATENATE (RFC 4469) parts in one APPEND command, over all its messages: each URL part is a store
 *  read, so a line of short URLs must not become thousands of reads. Real clients send a few. */
export const IMAP_MAX_CATENATE_PARTS = 64;

/** URLs in one GENURLAUTH or URLFETCH (RFC 4467): each is a few store reads (owner, mailbox, key,
 *  message) and URLFETCH's each a message part read whole, so a command holds at most this many.
 *  A client composing a message refers to its few attachments. */
export const IMAP_MAX_URLAUTH_URLS = 32;

/** Characters in one IMAP URL (RFC 5092) given to CATENATE, GENURLAUTH or URLFETCH: a mailbox
 *  name, a section and an authorization fit in a few hundred; nothing longer is a real URL. */
export const IMAP_MAX_URL_LENGTH = 2048;

/** SEARCH/SORT results one session keeps up to date (RFC 5267 RETURN (UPDATE)): each is searched
 *  again, over the changed messages only, at every report, and a SORT context holds its sorted
 *  result. RFC 5267 §4.3.1 asks for at least one; beyond this the client gets NO [NOUPDATE]. */
export const IMAP_MAX_UPDATE_CONTEXTS = 4;

/** NOTIFY (RFC 5465) event groups in one command, and mailbox names they list together: each
 *  change of the account is matched against them, so a client cannot make matching costly. */
export const IMAP_MAX_NOTIFY_GROUPS = 16;
export const IMAP_MAX_NOTIFY_MAILBOXES = 256;

/** COMPRESS=DEFLATE (RFC 4978): at most this much is inflated ahead of what the session has taken
 *  (the socket is paused behind it), so a decompression bomb meets the framer's limits a chunk at
 *  a time. Our deflater uses an 8 KiB window and memLevel 6 (about 64 KiB a connection instead of
 *  zlib.s 256 KiB default); inflation keeps the 32 KiB window a client may use. */
export const IMAP_COMPRESS_CHUNK_BYTES = 16 * 1024;
export const IMAP_COMPRESS_WINDOW_BITS = 13;
export const IMAP_COMPRESS_MEM_LEVEL = 6;

/** PREVIEW (RFC 8970 §3.1): at most 256 characters; they come from at most this many bytes of the
 *  message's first text part, so a FETCH PREVIEW of many large messages reads little of each. */
export const IMAP_PREVIEW_MAX_CHARS = 256;
export const IMAP_PREVIEW_READ_BYTES = 8 * 1024;

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

/** Messages per page of a FETCH that wants only UID, FLAGS and MODSEQ: such a row is a few dozen
 *  bytes, so a page of this many is about as much work and output as a normal page, in fewer
 *  store calls and socket writes. */
export const IMAP_FETCH_FLAGS_PAGE_SIZE = 2000;

/** Messages changed per transaction by one STORE (each page commits on its own, so a STORE over a
 *  100,000-message mailbox never holds the event loop for more than a few tens of milliseconds). */
export const IMAP_STORE_PAGE_SIZE = 2000;

/** Bytes of FETCH output buffered in the socket before the session waits for 'drain'. */
export const IMAP_OUTPUT_HIGH_WATER = 1024 * 1024;

/** Output a running command may hold corked (see holdOutput): above it, the response is released at
 *  its next page, since holding a megabyte back made a 100,000-message FETCH FLAGS twice as slow
 *  for the client, which then waited instead of reading while the server produced. */
export const IMAP_HELD_OUTPUT_BYTES = 64 * 1024;

/** Unsolicited FETCH lines are gathered into writes of about this many characters: one syscall per
 *  line cost a busy session more than the lines themselves, and a bounded string keeps memory flat. */
export const IMAP_REPORT_WRITE_CHARS = 64 * 1024;

/** Messages per page when FETCH wants message bytes, on an engine that cannot stop a page by its
 *  bytes (PostgreSQL): small messages come with their row (up to one BLOB_CHUNK_SIZE each), and the
 *  page is held while a slow client reads, so 16 rows ≈ 1 MiB. */
export const IMAP_FETCH_CONTENT_PAGE_SIZE = 16;
/** Bytes of messages one FETCH page may carry (SQLite: the page stops after the row that reaches
 *  it), the same 1 MiB as 16 rows of a chunk each; pages of small messages then hold hundreds of
 *  rows instead of 16. Per page, the query's fixed cost was most of FETCH BODY[]'s CPU: 1.6 s of
 *  1.9 s on 100,000 messages of 2 KB (bench/profiles.md, IMAP). */
export const IMAP_FETCH_CONTENT_PAGE_BYTES = 1024 * 1024;
/** A FETCH literal larger than this is streamed from the store in IMAP_FETCH_STREAM_CHUNK pieces. */
export const IMAP_FETCH_STREAM_THRESHOLD = 256 * 1024;
export const IMAP_FETCH_STREAM_CHUNK = 256 * 1024;
/** Items in one FETCH, and names in one HEADER.FIELDS list: each is work for every message fetched.
 *  Thunderbird asks for 5 items and 15 header fields. */
export const IMAP_MAX_FETCH_ITEMS = 64;
export const IMAP_MAX_FETCH_HEADER_FIELDS = 256;
/** FETCH output gathered before it is written and the socket's drain awaited. */
export const IMAP_FETCH_FLUSH_BYTES = 256 * 1024;

/** Seconds an authenticated session may stay silent outside IDLE (RFC 3501 §5.4: at least 30 min). */
export const IMAP_IDLE_TIMEOUT_SECONDS = 30 * 60 + 60;

/** Messages one SEARCH query looks at before the search yields to the event loop (a scan of a
 *  100,000-message mailbox is 100 windows, each a few milliseconds). */
export const IMAP_SEARCH_PAGE_SIZE = 1000;

/** Content ids one full-text lookup covers before the search yields: a word found in every message
 *  of a 100,000-message store is then 5 short lookups instead of one long one. */
export const IMAP_SEARCH_FTS_WINDOW = 20_000;

/** Content rows the full-text indexer moves into search_fts per transaction (migrations/0102): a
 *  batch is one FTS5 segment; bounded so one batch never holds the event loop long (~0.25 ms each). */
export const FTS_INDEX_BATCH = 256;
/** How long after a delivery the indexer runs: deliveries arriving meanwhile share its batch. Until
 *  then SEARCH checks the waiting rows directly, so nothing is missed. */
export const FTS_INDEX_DELAY_MS = 25;

/** Trigrams of a search string looked up in the full-text index: a sample is enough to narrow to a
 *  handful of candidates, and each lookup costs a read of its posting list. */
export const IMAP_SEARCH_FTS_MAX_TRIGRAMS = 12;

/** Sort criteria in one SORT command (RFC 5256 has nine keys; each may appear once). */
export const IMAP_MAX_SORT_CRITERIA = 9;

/** Seconds between "* OK Still here" lines to an idling session (Dovecot's interval: phones' NAT
 *  state and Thunderbird's autosync both rely on hearing from the server that often). */
export const IMAP_IDLE_KEEPALIVE_SECONDS = 120;

/** Seconds a connection may stay silent before logging in. */
export const IMAP_PREAUTH_TIMEOUT_SECONDS = 60;

/** Concurrent IMAP sessions per user (Thunderbird opens one per watched folder; CLIENTS.md asks ≥ 5). */
export const IMAP_MAX_SESSIONS_PER_USER = 50;

/** Bad commands tolerated in a row before we close the connection (stops garbage floods). */
export const IMAP_MAX_BAD_COMMANDS = 20;

/**
 * Characters of a remote SMTP reply kept in the queue history and quoted in a bounce. Real
 * multi-line rejections (Gmail's, Microsoft's) run to about 600; a hostile server's reply is cut here.
 */
export const REMOTE_REPLY_KEPT_CHARS = 4000;

/**
 * Greylisting (RFC 6647 §2.1) refuses the first try and accepts a retry after a few minutes: such a
 * deferral is retried after this many seconds whatever the schedule's current step.
 */
export const GREYLIST_RETRY_S = 360;

// Spam filter (src/spam). The classifier's work per message is bounded whatever the message holds:
// a million-token body, a 50 MB single line or a base64 bomb costs at most these.
// Characters of decoded text (headers + body) tokenized per message: spam says what it says early,
// and 32 Ki characters is a long letter.
export const SPAM_TEXT_CHARS = 32 * 1024;
// Characters of body text from which word pairs are also taken (pairs are mostly seen once; they
// help most near the top, and each is a row in the account's token table): 1 Ki characters scored
// as well as 4 Ki on the tune half of bench/spam-replay with 11 % fewer rows in the table.
export const SPAM_PAIR_CHARS = 1024;
// Distinct tokens kept per message: the Robinson–Fisher combination uses only the most telling ones
// and every token is a row lookup and, when trained, a row update (measured in bench/spam).
export const SPAM_MAX_TOKENS = 400;
// Tokens longer than this are cut: base64 runs and hashes are noise, and keys stay small.
export const SPAM_TOKEN_LENGTH = 32;
// Raw bytes scanned for URL domains (HTML href values that the decoded text loses).
export const SPAM_URL_SCAN_BYTES = 256 * 1024;
// Distinct URL domains kept per message (a thousand links teach no more than fifty).
export const SPAM_MAX_URL_DOMAINS = 50;
// Trained messages of each class before the classifier gives a verdict (a new account is not judged on nothing).
export const SPAM_MIN_TRAINED = 50;
// Most telling tokens combined per verdict (Robinson's suggestion is 15–150).
export const SPAM_COMBINED_TOKENS = 150;
// Filings the trainer applies per transaction (training on arrival included), summed into one change
// per token: the token table's pages are written once per batch instead of once per delivery, and
// one batch's statements hold the event loop for a few ms.
export const SPAM_TRAIN_BATCH = 50;
// How long the trainer lets filings gather after the first one before it applies them, so a burst of
// deliveries is trained in a few batches (the next messages are judged on counts at most this old).
export const SPAM_TRAIN_DELAY_MS = 200;
// DNS lists consulted per message (each is one lookup through the resolver).
export const SPAM_MAX_DNS_LISTS = 10;
// Rejects messages expired per transaction, so a large backlog never holds the event loop.
export const SPAM_REJECTS_EXPIRE_BATCH = 500;
// The greeting pause that makes early talkers visible (RFC 5321 §4.3.1: the client waits for the greeting).
export const SPAM_GREETING_PAUSE_MS = 1000;
// Time an rspamd check may take before the message is judged without it.
export const SPAM_RSPAMD_TIMEOUT_MS = 10_000;
// --- Sieve (issue 17) ---

/** Largest Sieve script accepted (ManageSieve PUTSCRIPT, CLI). Real filter sets are a few KiB;
 *  Dovecot's default is 1 MiB. 256 KiB keeps parsing a script at delivery cheap. */
export const SIEVE_MAX_SCRIPT_BYTES = 256 * 1024;
/** Scripts stored per account (active and inactive). */
export const SIEVE_MAX_SCRIPTS = 64;
/** Bytes of scripts stored per account, the ManageSieve HAVESPACE quota. */
export const SIEVE_MAX_STORAGE_BYTES = 4 * 1024 * 1024;
/** Longest script name in characters (RFC 5804 §1.6 leaves it to the server; Dovecot uses 256). */
export const SIEVE_MAX_NAME_LENGTH = 256;
/** Deepest nesting of blocks and of tests inside tests (anyof/allof/not): real scripts stay under 5. */
export const SIEVE_MAX_NESTING = 32;
/** Actions one script run may take for one message (RFC 5228 §2.10.5 allows a limit). */
export const SIEVE_MAX_ACTIONS = 32;
/** Redirects one script run may make: each is an outbound message; Dovecot's default is 4. */
export const SIEVE_MAX_REDIRECTS = 4;
/** Include depth (RFC 6609 §3.2 asks for a limit on nested includes) and scripts included in one run. */
export const SIEVE_MAX_INCLUDE_DEPTH = 10;
export const SIEVE_MAX_INCLUDED_SCRIPTS = 32;
/** Interpreter steps per run (commands, tests, keys compared, regex threads stepped). A hostile
 *  script must not hold the event loop: this bounds work whatever the message. Measured
 *  (bench/sieve.ts): a realistic 30-rule script takes a few thousand steps; 500,000 steps of the
 *  regex VM are about 0.2 s, the most one message's filtering can hold the event loop. */
export const SIEVE_MAX_STEPS = 500_000;
/** Wall-clock time one run may take, checked between steps (the step budget normally stops it first). */
export const SIEVE_MAX_RUN_MS = 2000;
/** Compiled size of one regular expression or :matches pattern, in VM instructions: bounds
 *  {m,n} expansion. Matching is a Pike VM, linear in text length times this size. */
export const SIEVE_REGEX_MAX_PROGRAM = 4000;
/** Characters of one header value or body part a test reads; beyond this the text is cut. */
export const SIEVE_MAX_TEST_TEXT = 1024 * 1024;
/** Longest variable value in characters (RFC 5229 §3: implementations may limit; Dovecot: 4096). */
export const SIEVE_MAX_VARIABLE_LENGTH = 4096;
/** Distinct variables one run may set (RFC 5229 §3). */
export const SIEVE_MAX_VARIABLES = 256;
/** RFC 5230 §4.1: :days has a minimum of 1 and implementations may cap it; 365 is a year. */
export const VACATION_MIN_SECONDS = 60;
export const VACATION_MAX_DAYS = 365;
/** SQLite's page cache per connection. The OS caches the file as well, so a miss costs a pread, not
 *  a disk read: measured on 2026-12-01, 64 MiB → 16 MiB took ~35 MB off the peak RSS of FETCH 1:*
 *  BODY.PEEK[] on 100,000 messages with the same server CPU; inbound throughput stayed within the
 *  noise of alternating runs (bench/profiles.md, Memory). */
export const STORE_PAGE_CACHE_BYTES = 16 * 1024 * 1024;
/** WAL size past which the checkpoint thread truncates it, holding new commits (not the event loop)
 *  for that one checkpoint. Passive checkpoints alone never reset the WAL while commits keep
 *  coming: it reached 2.9 GB for 10,000 messages. 64 MiB is some seconds of inbound load (about
 *  one second with the 32 KiB pages of older stores), and a truncation that copies what the last
 *  passive checkpoint left takes ~10 ms. */
export const STORE_WAL_TRUNCATE_BYTES = 64 * 1024 * 1024;

// --- DMARC and TLS reports (issue 18) ---

/**
 * Bytes a report may decompress to (zip or gzip). Real aggregate reports of a busy domain are a few
 * hundred KiB of XML; a "zip bomb" of a few KiB that expands to gigabytes is cut off here.
 */
export const REPORT_MAX_DECOMPRESSED_BYTES = 8 * 1024 * 1024;
/** Report attachments read from one message (a reporter sends one; the rest is ignored). */
export const REPORT_MAX_ATTACHMENTS = 4;
/** Rows (<record>s, or TLS-RPT policies and failure details) kept per report. */
export const REPORT_MAX_RECORDS = 10_000;
/** Element nesting the XML reader accepts; a DMARC report nests six deep. */
export const REPORT_XML_MAX_DEPTH = 32;
/**
 * DKIM results kept per received message for the aggregate reports we send: a real message has one
 * or two signatures; a message with hundreds must not make hundreds of distinct rows.
 */
export const DMARC_RESULT_MAX_SIGNATURES = 3;
/** rua= destinations one DMARC record may make us send a report to (RFC 7489 §6.4 allows a list; real ones name one or two). */
export const DMARC_REPORT_MAX_DESTINATIONS = 4;

// --- ManageSieve (RFC 5804) ---

/** Longest ManageSieve command line, literals excluded: commands are short; names are bounded. */
export const MANAGESIEVE_MAX_LINE = 8 * 1024;
/** Largest literal accepted: a script (PUTSCRIPT, CHECKSCRIPT) plus room for a SASL response. */
export const MANAGESIEVE_MAX_LITERAL = SIEVE_MAX_SCRIPT_BYTES + 1024;
/** Arguments in one command (RENAMESCRIPT has the most, two). */
export const MANAGESIEVE_MAX_ARGUMENTS = 8;
/** Failed or unknown commands in a row before the connection is closed with BYE. */
export const MANAGESIEVE_MAX_BAD_COMMANDS = 20;
/** Seconds before login, and after it, that a ManageSieve connection may stay silent. */
export const MANAGESIEVE_PREAUTH_TIMEOUT_S = 60;
export const MANAGESIEVE_IDLE_TIMEOUT_S = 30 * 60;

// --- SMTP deadlines (issue 10, item 6) ---
/** Absolute time from connect to a successful AUTH on submission: the idle timer alone lets a
 *  client stay unauthenticated for ever by sending NOOP. A mail client logs in within seconds. */
export const SMTP_AUTH_DEADLINE_S = 120;
/** DATA must arrive at this average rate after the grace period, or the connection is closed (421):
 *  one byte per idle interval would otherwise hold it for ever. 4 KiB/s is a slow mobile uplink and
 *  gives a 50 MiB message 3.5 hours; the same figure as IMAP's APPEND literals. */
export const SMTP_DATA_MIN_BYTES_PER_S = 4 * 1024;
export const SMTP_DATA_GRACE_S = 60;

// --- Sieve state and forwarding (issue 17) ---

/** RFC 7352 §3.2: the expiry of a duplicate id when the script gives no :seconds (Pigeonhole: 12 h). */
export const SIEVE_DUPLICATE_DEFAULT_S = 86_400;
/** The longest a script may ask the duplicate tracker to remember an id: bounds the table. */
export const SIEVE_DUPLICATE_MAX_S = 30 * 86_400;
/** Compiled scripts and patterns kept in memory, so a burst to one account compiles its script once. */
export const SIEVE_COMPILED_CACHE = 512;
export const SIEVE_PATTERN_CACHE = 2048;
/** Days an SRS address stays valid for a bounce (postsrsd's default is 21; bounces come within days). */
export const SRS_MAX_AGE_DAYS = 21;

// --- PROXY protocol from a load balancer (issue 14, Operations) ---

/** Bytes a PROXY header may take before it is refused. v1 is at most 107 (HAProxy's spec §2.1); v2 is
 *  16 plus its length field, 232 with a UNIX address and no TLVs; what a load balancer adds in TLVs
 *  (ALPN, authority, unique id, TLS details) stays well under 1 KiB, and nothing more is buffered. */
export const PROXY_HEADER_MAX_BYTES = 1024;
/** Milliseconds a trusted load balancer has to send its header: it writes it with the connection, so
 *  a socket still silent after 5 s is not a proxy speaking and is closed rather than held. */
export const PROXY_HEADER_TIMEOUT_MS = 5_000;
/** Bytes of one change-bus NOTIFY payload (PostgreSQL refuses more than 8000): several changes go in
 *  one payload up to this, leaving room below the server's limit. */
export const CHANGE_BUS_PAYLOAD_BYTES = 7000;
/** Bytes of one change's UID list (as ranges) in a NOTIFY; a longer list is left out and the other
 *  nodes' sessions read the change from the store, so one huge STORE or EXPUNGE fills no payload. */
export const CHANGE_BUS_UID_BYTES = 1500;
/** UIDs one change-bus line may expand to (ranges are short text for many UIDs): past this the change
 *  is taken as one without UIDs, read from the store, so no notification makes a node allocate much. */
export const CHANGE_BUS_DECODED_UIDS = 100_000;
/** Mailboxes whose change hints a node keeps while its NOTIFYs fail (the database unreachable),
 *  to send once it is back: one entry per mailbox, so a long outage costs no more than this. */
export const CHANGE_BUS_UNSENT_MAILBOXES = 10_000;

// --- State shared by the nodes of one store (issue 14) ---

/** A lease (POP3 maildrop lock, IMAP session slot) outlives a node that died by at most this: long
 *  enough that a busy node renews it in time, short enough that a user is not locked out long. */
export const SHARED_LEASE_TTL_MS = 60_000;
/** How often a node renews the leases it holds (one statement for all) and sweeps expired rows:
 *  a third of the lease, so two missed renewals still leave it held. */
export const SHARED_LEASE_RENEW_MS = 20_000;
/** A windowed counter is kept in this many buckets per window: the window slides in steps of
 *  1/60 (a minute for the hourly send limit), and reading it sums at most this many rows. */
export const SHARED_COUNTER_BUCKETS = 60;
/** Milliseconds between a node's pings to itself on the change bus: the LISTEN connection's own
 *  reconnect gives up when the database is away at that moment, and a missing ping is how a node
 *  learns it listens no more (it listens again and resyncs). Seconds of deafness at most, at the
 *  cost of one tiny NOTIFY per node per interval. */
export const CHANGE_BUS_HEARTBEAT_MS = 5_000;

// --- Import (postern import) ---

/** Messages per import transaction: one batch commits while the next is read (src/import/importer.ts),
 *  so a commit's fsync is shared by this many messages and their order is kept on either engine. */
export const IMPORT_BATCH_MESSAGES = 32;
/** A batch is committed once it holds this many bytes, whatever its count: with one batch committing
 *  and one filling, an import holds about twice this (plus one message) in memory. */
export const IMPORT_BATCH_BYTES = 8 * 1024 * 1024;
