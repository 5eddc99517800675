-- What SEARCH needs from a message beyond its text, computed at delivery: the Date: field's day as
-- written (RFC 3501 §6.4.4 SENTON and friends compare it in the sender's zone, not in UTC), and the
-- address fields parsed and normalized (SEARCH FROM/TO/CC/BCC match addresses, not raw headers).
-- Rows stored before this migration get the UTC day and no address text until `postern reindex`;
-- SEARCH falls back to the raw header for them.
ALTER TABLE contents ADD COLUMN sent_day INTEGER;          -- days since 1970-01-01 of Date: as written
ALTER TABLE contents ADD COLUMN address_text TEXT NOT NULL DEFAULT ''; -- src/mime/address-text.ts
UPDATE contents SET sent_day = sent_date / 86400000 WHERE sent_date IS NOT NULL;
