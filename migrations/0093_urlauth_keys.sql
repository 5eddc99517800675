-- URLAUTH mailbox access keys (RFC 4467 §7): one random key per mailbox of an account, made on the
-- first GENURLAUTH for it and replaced by RESETKEY. A URL's token is an HMAC under this key, so a
-- key that is replaced or gone (with its mailbox or its account, by the cascades) makes every URL
-- generated under it fail. uid_validity pins the key to this incarnation of the mailbox.
CREATE TABLE urlauth_keys (
  mailbox_id   INTEGER PRIMARY KEY REFERENCES mailboxes(id) ON DELETE CASCADE,
  account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  uid_validity INTEGER NOT NULL,
  key          BLOB NOT NULL,
  created_at   INTEGER NOT NULL
);
CREATE INDEX urlauth_keys_account ON urlauth_keys (account_id);
