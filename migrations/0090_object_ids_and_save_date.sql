-- SAVEDATE (RFC 8514) and OBJECTID (RFC 8474): what the store keeps so IMAP can answer them.
-- - messages.save_date: when the message was saved into its current mailbox (delivery, APPEND,
--   COPY and MOVE set it; RFC 8514 §2). Rows stored before this migration get their internal date,
--   the closest value known (for delivered mail it is the delivery time; for APPENDed mail it is
--   the date the client gave, which may be earlier than the save).
-- - mailboxes.object_id: MAILBOXID (RFC 8474 §4), kept by RENAME, new for every mailbox row, so a
--   deleted and recreated name gets a new one. Row ids cannot serve: SQLite reuses an INTEGER
--   PRIMARY KEY after a delete. 'M' and 32 hex digits of a random 128-bit value (src/store/object-ids.ts).
-- - messages.email_id: EMAILID (RFC 8474 §5.1), the same for every copy of one message in one
--   account (COPY copies it, MOVE keeps the row), never shared with a different message. 'E' and
--   32 hex digits. Existing rows of one account that share a content row are copies of one
--   message and get one value.
ALTER TABLE messages ADD COLUMN save_date INTEGER NOT NULL DEFAULT 0;   -- ms since epoch
UPDATE messages SET save_date = internal_date;

ALTER TABLE mailboxes ADD COLUMN object_id TEXT NOT NULL DEFAULT '';
UPDATE mailboxes SET object_id = 'M' || lower(hex(randomblob(16)));
CREATE UNIQUE INDEX mailboxes_object_id ON mailboxes (object_id);

ALTER TABLE messages ADD COLUMN email_id TEXT NOT NULL DEFAULT '';
CREATE TABLE email_id_seed (
  account_id INTEGER NOT NULL,
  content_id INTEGER NOT NULL,
  email_id   TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (account_id, content_id)
) WITHOUT ROWID;
INSERT INTO email_id_seed (account_id, content_id)
  SELECT DISTINCT b.account_id, m.content_id FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id;
UPDATE email_id_seed SET email_id = 'E' || lower(hex(randomblob(16)));
UPDATE messages SET email_id = (SELECT s.email_id FROM email_id_seed s
  WHERE s.account_id = (SELECT account_id FROM mailboxes WHERE id = messages.mailbox_id) AND s.content_id = messages.content_id);
DROP TABLE email_id_seed;
