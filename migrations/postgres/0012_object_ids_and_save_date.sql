-- SAVEDATE (RFC 8514) and OBJECTID (RFC 8474), as migrations/0090_object_ids_and_save_date.sql
-- (SQLite) explains: messages.save_date (existing rows get their internal date), mailboxes.object_id
-- (MAILBOXID, 'M' and 32 hex digits; existing rows take a version-4 UUID's digits) and messages.email_id (EMAILID, 'E'
-- and 32 hex digits; existing rows of one account sharing a content row get one value). New values
-- come from src/store/object-ids.ts on both engines.
ALTER TABLE messages ADD COLUMN save_date BIGINT;   -- ms since epoch
UPDATE messages SET save_date = internal_date;
ALTER TABLE messages ALTER COLUMN save_date SET NOT NULL;

ALTER TABLE mailboxes ADD COLUMN object_id TEXT;
UPDATE mailboxes SET object_id = 'M' || replace(gen_random_uuid()::text, '-', '');
ALTER TABLE mailboxes ALTER COLUMN object_id SET NOT NULL;
CREATE UNIQUE INDEX mailboxes_object_id ON mailboxes (object_id);

ALTER TABLE messages ADD COLUMN email_id TEXT;
UPDATE messages m SET email_id = s.email_id
  FROM mailboxes b, (SELECT x.account_id, x.content_id, 'E' || replace(gen_random_uuid()::text, '-', '') AS email_id
    FROM (SELECT DISTINCT b2.account_id, m2.content_id FROM messages m2 JOIN mailboxes b2 ON b2.id = m2.mailbox_id) x) s
  WHERE b.id = m.mailbox_id AND s.account_id = b.account_id AND s.content_id = m.content_id;
ALTER TABLE messages ALTER COLUMN email_id SET NOT NULL;
