-- URLAUTH mailbox access keys (RFC 4467 §7), mirroring migrations/0093_urlauth_keys.sql: one random
-- key per mailbox of an account, made on the first GENURLAUTH for it and replaced by RESETKEY; gone
-- with its mailbox or its account (the cascades). uid_validity pins the key to this incarnation
-- of the mailbox.
CREATE TABLE urlauth_keys (
  mailbox_id   BIGINT PRIMARY KEY REFERENCES mailboxes(id) ON DELETE CASCADE,
  account_id   BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  uid_validity BIGINT NOT NULL,
  key          BYTEA NOT NULL,
  created_at   BIGINT NOT NULL
);
CREATE INDEX urlauth_keys_account ON urlauth_keys (account_id);
