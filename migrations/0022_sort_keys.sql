-- SORT (RFC 5256, RFC 5957) and THREAD keys computed at delivery (src/mime/sort-keys.ts): base
-- subject, first From/To/Cc mailbox, display names, Message-ID and parents, as JSON. Rows stored
-- before this migration have '' (every key empty) until `postern reindex` fills them.
ALTER TABLE contents ADD COLUMN sort_keys TEXT NOT NULL DEFAULT '';
