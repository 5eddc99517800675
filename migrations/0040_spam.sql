-- The spam filter's per-account data (src/store/spam.ts): what each stored message was filed as,
-- the classifier's token counts, sender reputation counters, outbound caps and greylisting.
-- Every row belongs to one account and is deleted with it.

-- One row per account and stored content: the signals recorded when it was delivered, the class
-- the user's filing asks for (wanted) and the class the counts currently hold it as (trained).
-- wanted differs from trained only until the trainer has applied the change.
CREATE TABLE spam_messages (
  account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  content_id  INTEGER NOT NULL,
  wanted      TEXT,                 -- 'spam' | 'ham' | NULL
  trained     TEXT,                 -- 'spam' | 'ham' | NULL
  signals     TEXT NOT NULL DEFAULT '[]', -- JSON [[kind, value], ...]: sender address, domains, IP networks
  message_id  TEXT,                 -- Message-ID without brackets, for `spam explain`
  score       REAL,                 -- the verdict at delivery
  reasons     TEXT,                 -- JSON list of reasons at delivery
  delivered_to TEXT,                -- 'inbox' | 'junk' | 'reject'
  received_at INTEGER NOT NULL,
  PRIMARY KEY (account_id, content_id)
) WITHOUT ROWID;
CREATE INDEX spam_messages_pending ON spam_messages (account_id) WHERE wanted IS NOT trained;
CREATE INDEX spam_messages_message_id ON spam_messages (account_id, message_id);

-- Classifier counts: in how many trained messages of each class a token occurred.
CREATE TABLE spam_tokens (
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  token      TEXT NOT NULL,
  ham        INTEGER NOT NULL DEFAULT 0,
  spam       INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (account_id, token)
) WITHOUT ROWID;

CREATE TABLE spam_totals (
  account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
  ham        INTEGER NOT NULL DEFAULT 0,
  spam       INTEGER NOT NULL DEFAULT 0
);

-- Reputation: per signal (kind 'from', 'domain', 'org', 'dkim', 'spf', 'ip32', 'ip26', 'ip21', 'ip64',
-- 'ip48', 'ip6_32', 'replied'), how many of the account's messages carrying it are held as each class.
CREATE TABLE spam_reputation (
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  kind       TEXT NOT NULL,
  value      TEXT NOT NULL,
  ham        INTEGER NOT NULL DEFAULT 0,
  spam       INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (account_id, kind, value)
) WITHOUT ROWID;

-- Outbound caps: submissions per account per UTC day, and the recipients it has ever written to.
CREATE TABLE outbound_daily (
  account_id     INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  day            INTEGER NOT NULL,   -- days since the epoch, UTC
  messages       INTEGER NOT NULL DEFAULT 0,
  new_recipients INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (account_id, day)
) WITHOUT ROWID;
CREATE TABLE outbound_recipients (
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  address    TEXT NOT NULL,
  first_at   INTEGER NOT NULL,
  PRIMARY KEY (account_id, address)
) WITHOUT ROWID;

-- Greylisting: (client /24 or /64, sender, recipient account) first seen; passes after the delay.
CREATE TABLE spam_greylist (
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  triplet    TEXT NOT NULL,
  first_seen INTEGER NOT NULL,
  PRIMARY KEY (account_id, triplet)
) WITHOUT ROWID;
