-- The initial schema: domains with their DKIM keys, accounts, aliases, mailboxes, messages over
-- shared raw content, and the outbound queue. Invariants are written where each field is declared.

-- Counters that must never go backwards across the whole database (UIDVALIDITY values).
CREATE TABLE counters (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO counters (name, value) VALUES ('uid_validity', 0);

CREATE TABLE domains (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE,          -- lowercase A-label (IDNs are stored in punycode)
  created_at INTEGER NOT NULL               -- ms since epoch
);

CREATE TABLE dkim_keys (
  id          INTEGER PRIMARY KEY,
  domain_id   INTEGER NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
  selector    TEXT NOT NULL,
  algorithm   TEXT NOT NULL CHECK (algorithm IN ('rsa-sha256', 'ed25519-sha256')),
  private_key TEXT NOT NULL,                -- PKCS#8 PEM
  public_key  TEXT NOT NULL,                -- base64 of the DNS p= value
  created_at  INTEGER NOT NULL,
  UNIQUE (domain_id, selector)
);

CREATE TABLE accounts (
  id            INTEGER PRIMARY KEY,
  domain_id     INTEGER NOT NULL REFERENCES domains(id),
  address       TEXT NOT NULL UNIQUE,       -- lowercase local@a-label-domain
  password_hash TEXT NOT NULL,              -- PHC string (scrypt)
  quota_bytes   INTEGER NOT NULL DEFAULT 0, -- 0 = unlimited
  used_bytes    INTEGER NOT NULL DEFAULT 0, -- sum of size over the account's live messages
  modseq        INTEGER NOT NULL DEFAULT 0, -- RFC 7162 MODSEQ counter of the account; only grows
  created_at    INTEGER NOT NULL
);
CREATE INDEX accounts_domain ON accounts (domain_id);

-- source is 'local@domain' or '@domain' (the domain's catch-all); target is any address.
CREATE TABLE aliases (
  id         INTEGER PRIMARY KEY,
  domain_id  INTEGER NOT NULL REFERENCES domains(id),
  source     TEXT NOT NULL,
  target     TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (source, target)
);

CREATE TABLE mailboxes (
  id           INTEGER PRIMARY KEY,
  account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  name         TEXT NOT NULL,               -- UTF-8, hierarchy delimiter '/'; 'INBOX' exactly for the inbox
  special_use  TEXT,                        -- RFC 6154 attribute such as '\Sent', or NULL
  subscribed   INTEGER NOT NULL DEFAULT 1,
  uid_validity INTEGER NOT NULL,            -- from counters.uid_validity: a recreated name never reuses one
  uid_next     INTEGER NOT NULL DEFAULT 1,  -- UID for the next message stored here; only grows
  highest_modseq INTEGER NOT NULL DEFAULT 0,-- largest modseq of any change in this mailbox (incl. expunges)
  created_at   INTEGER NOT NULL,
  UNIQUE (account_id, name)
);

-- Raw message bytes, stored once and shared by every content row that holds them.
CREATE TABLE blobs (
  id       INTEGER PRIMARY KEY,
  size     INTEGER NOT NULL,
  refcount INTEGER NOT NULL                 -- content rows referring to it; deleted at 0
);
CREATE TABLE blob_chunks (
  blob_id INTEGER NOT NULL REFERENCES blobs(id) ON DELETE CASCADE,
  seq     INTEGER NOT NULL,                 -- 0-based; chunk seq covers bytes [seq*64KiB, (seq+1)*64KiB)
  data    BLOB NOT NULL,
  PRIMARY KEY (blob_id, seq)
) WITHOUT ROWID;

-- A stored message as IMAP and POP3 serve it: the prefix of headers Postern added (Received,
-- Authentication-Results, DKIM-Signature) followed by the raw blob, with everything IMAP needs
-- computed once at delivery. Offsets in mime_tree are into prefix+raw.
CREATE TABLE contents (
  id             INTEGER PRIMARY KEY,
  blob_id        INTEGER NOT NULL REFERENCES blobs(id),
  prefix         BLOB NOT NULL,             -- CRLF-terminated header lines, may be empty
  size           INTEGER NOT NULL,          -- length(prefix) + blobs.size: RFC822.SIZE
  mime_tree      TEXT NOT NULL,             -- src/mime encodeTree()
  envelope       TEXT NOT NULL,             -- IMAP ENVELOPE, ready for the wire
  body_structure TEXT NOT NULL,             -- IMAP BODYSTRUCTURE, ready for the wire
  body           TEXT NOT NULL,             -- IMAP BODY, ready for the wire
  header_text    TEXT NOT NULL,             -- decoded "name: value\n" lines for SEARCH
  search_text    TEXT NOT NULL,             -- decoded body text for SEARCH BODY/TEXT
  sent_date      INTEGER,                   -- Date: header, ms since epoch
  refcount       INTEGER NOT NULL           -- message rows and queue messages holding it
);

CREATE TABLE messages (
  id            INTEGER PRIMARY KEY,
  mailbox_id    INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
  uid           INTEGER NOT NULL,           -- strictly ascending within the mailbox's uid_validity
  modseq        INTEGER NOT NULL,           -- account modseq of the last change to this row
  content_id    INTEGER NOT NULL REFERENCES contents(id),
  flags         INTEGER NOT NULL DEFAULT 0, -- bit set of system flags (src/store/flags.ts)
  keywords      TEXT NOT NULL DEFAULT '',   -- space-separated custom flags
  internal_date INTEGER NOT NULL,           -- ms since epoch
  size          INTEGER NOT NULL,           -- copy of contents.size, for STATUS SIZE and quota
  UNIQUE (mailbox_id, uid)
);
CREATE INDEX messages_modseq ON messages (mailbox_id, modseq);
CREATE INDEX messages_content ON messages (content_id);

-- Tombstones of expunged messages, kept to answer QRESYNC with VANISHED (RFC 7162 §3.2.5.1).
CREATE TABLE vanished (
  mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
  uid        INTEGER NOT NULL,
  modseq     INTEGER NOT NULL,              -- account modseq of the expunge
  PRIMARY KEY (mailbox_id, uid)
) WITHOUT ROWID;
CREATE INDEX vanished_modseq ON vanished (mailbox_id, modseq);

-- The outbound queue: one message row per accepted message, one recipient row per recipient.
CREATE TABLE queue_messages (
  id          INTEGER PRIMARY KEY,
  content_id  INTEGER NOT NULL REFERENCES contents(id),
  sender      TEXT NOT NULL,                -- envelope MAIL FROM; '' is the null sender (no bounce)
  account_id  INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL              -- after this, pending recipients bounce
);
CREATE TABLE queue_recipients (
  id              INTEGER PRIMARY KEY,
  message_id      INTEGER NOT NULL REFERENCES queue_messages(id) ON DELETE CASCADE,
  recipient       TEXT NOT NULL,
  domain          TEXT NOT NULL,            -- lowercase A-label of recipient, groups a destination
  status          TEXT NOT NULL CHECK (status IN ('pending', 'deferred', 'delivered', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,         -- pushed forward before dialling (no retry storm after a crash)
  last_error      TEXT,
  history         TEXT NOT NULL DEFAULT '[]', -- JSON list of {at, host, reply}
  updated_at      INTEGER NOT NULL
);
CREATE INDEX queue_due ON queue_recipients (status, next_attempt_at);
CREATE INDEX queue_message ON queue_recipients (message_id);
