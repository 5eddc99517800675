-- Indexes on the child side of every foreign key that a delete on the hot path checks, and for the
-- oldest queued message (read by every /metrics scrape). With
-- foreign_keys = ON, deleting a parent row looks for children; without an index on the child column
-- that is a scan of the whole child table, so every expunge that released a blob scanned every
-- content row (114,000 on one store) and every released content row scanned the queue.
-- Always true: each REFERENCES column of a table that grows with the store is the first column of
-- some index (test/unit/store/query-plans.test.ts asserts it and the release path's plans).
CREATE INDEX contents_blob ON contents (blob_id);
CREATE INDEX queue_messages_content ON queue_messages (content_id);
CREATE INDEX queue_messages_account ON queue_messages (account_id);
CREATE INDEX aliases_domain ON aliases (domain_id);
CREATE INDEX dkim_keys_domain ON dkim_keys (domain_id);
CREATE INDEX queue_messages_created ON queue_messages (created_at);
