-- Sieve (RFC 5228): each account's scripts, at most one of them active; the vacation memory
-- (RFC 5230 §4.2: one reply per sender and handle per :days); the duplicate tracker (RFC 7352).
CREATE TABLE sieve_scripts (
  id         INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  name       TEXT NOT NULL,                 -- RFC 5804 §1.6 script name, UTF-8, case-sensitive
  script     TEXT NOT NULL,                 -- the script as uploaded; it compiled when it was stored
  active     INTEGER NOT NULL DEFAULT 0,    -- 1 for the one script run at delivery
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (account_id, name)
);
-- At most one active script per account.
CREATE UNIQUE INDEX sieve_scripts_active ON sieve_scripts (account_id) WHERE active = 1;

CREATE TABLE sieve_vacation_replies (
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  sender     TEXT NOT NULL,                 -- lowercase address that was answered
  handle     TEXT NOT NULL,                 -- RFC 5230 §4.2 :handle (or the derived one)
  expires_at INTEGER NOT NULL,              -- ms; no new reply to this sender before it
  PRIMARY KEY (account_id, sender, handle)
) WITHOUT ROWID;

CREATE TABLE sieve_duplicates (
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  key        TEXT NOT NULL,                 -- hash of handle and unique id
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (account_id, key)
) WITHOUT ROWID;
