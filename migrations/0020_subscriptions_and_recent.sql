-- Subscriptions become names of their own (RFC 3501 §6.3.6: a name may be subscribed whether or not
-- a mailbox of that name exists; DELETE keeps it, CREATE does not add it), and \Recent becomes
-- durable per mailbox row (RFC 3501 §2.3.2), so a restart or a recreated mailbox is answered right.

CREATE TABLE subscriptions (
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  name       TEXT NOT NULL,                 -- a mailbox name as IMAP decodes it (UTF-8, '/' delimiter)
  PRIMARY KEY (account_id, name)
) WITHOUT ROWID;
INSERT INTO subscriptions (account_id, name) SELECT account_id, name FROM mailboxes WHERE subscribed = 1;
ALTER TABLE mailboxes DROP COLUMN subscribed;

-- Highest UID a read-write session has claimed as \Recent; messages above it are recent to the next
-- session that selects the mailbox. Only grows. Existing mail was already seen, so it starts at the top.
ALTER TABLE mailboxes ADD COLUMN recent_uid INTEGER NOT NULL DEFAULT 0;
UPDATE mailboxes SET recent_uid = uid_next - 1;
