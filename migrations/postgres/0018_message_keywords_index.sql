-- The SQLite engine's migrations/0096: SELECT's distinct keyword lists as a skip-scan of a partial
-- index (message-rows.ts keywordLists) instead of a read of every message row of the mailbox.
CREATE INDEX messages_keywords ON messages (mailbox_id, keywords) WHERE keywords <> '';
