-- SELECT's FLAGS response lists every keyword in use (RFC 3501 §7.2.6). Reading the distinct keyword
-- lists of a mailbox read every message row (20 ms of CPU per SELECT of 100,000 messages, even with
-- no keyword at all); with this index they are a skip-scan, one seek per distinct list
-- (message-rows.ts keywordLists). Partial: a message without keywords, the common case, costs no
-- index write at delivery.
CREATE INDEX messages_keywords ON messages (mailbox_id, keywords) WHERE keywords != '';
